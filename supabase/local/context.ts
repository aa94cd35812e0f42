import type pg from 'pg';
import type { RealtimeLimits } from './realtime/limits.ts';

/**
 * Everything a service of the local API needs. Each service gets its own, connected as the role
 * its hosted counterpart uses (roles.ts): REST as `authenticator`, Auth as `supabase_auth_admin`,
 * Realtime as `supabase_realtime_admin`.
 */
export interface StackContext {
	readonly config: ApiConfig;
	/** The service's pool on the project database. REST and Realtime switch role per request. */
	readonly pool: pg.Pool;
	/** The same database and role as `pool` (for LISTEN, which needs its own connection). */
	readonly databaseUrl: string;
	readonly log: (message: string) => void;
}

/** The three services' contexts, for one running API server. */
export interface ApiContext {
	readonly config: ApiConfig;
	readonly log: (message: string) => void;
	readonly auth: StackContext;
	readonly rest: StackContext;
	readonly realtime: StackContext;
}

export interface ApiConfig {
	/** Where clients reach the API, e.g. http://127.0.0.1:54321 (the JWT issuer is `${apiUrl}/auth/v1`). */
	apiUrl: string;
	jwtSecret: string;
	anonKey: string;
	serviceRoleKey: string;
	/** Access-token lifetime in seconds (GoTrue's JWT_EXP). */
	jwtExpirySeconds: number;
	/** How long a rotated refresh token may still be used (GoTrue's reuse interval). */
	refreshTokenReuseSeconds: number;
	anonymousSignIns: boolean;
	/** Largest request body accepted, in bytes; larger ones get 413. */
	maxBodyBytes: number;
	/** Overrides of hosted Realtime's limits (realtime/limits.ts); tests lower them. */
	realtimeLimits?: Partial<RealtimeLimits>;
}
