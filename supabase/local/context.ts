import type pg from 'pg';
import type { RealtimeLimits } from './realtime/limits.ts';

/** Everything a service of the local API needs; one per running API server. */
export interface StackContext {
	readonly config: ApiConfig;
	/** Superuser pool on the project database. Services switch role per request, as PostgREST does. */
	readonly pool: pg.Pool;
	/** Superuser connection URL of the same database (for LISTEN, which needs its own connection). */
	readonly databaseUrl: string;
	readonly log: (message: string) => void;
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
