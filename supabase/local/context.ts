import type pg from 'pg';
import type { Inbox } from './auth/inbox.ts';
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
	/** Where the Auth service's mail goes (served at /inbox/api/v1/…, Mailpit's API shape). */
	readonly inbox: Inbox;
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
	/**
	 * Email confirmations, as hosted Supabase has them by default (GoTrue's MAILER_AUTOCONFIRM off):
	 * sign-up and email changes (anonymous users' too) mail a link to the inbox and wait for
	 * /verify. Off by default, like the CLI's `[auth.email] enable_confirmations = false`.
	 */
	confirmEmail: boolean;
	/** GoTrue's MAILER_SECURE_EMAIL_CHANGE_ENABLED (default on): both addresses confirm a change. */
	secureEmailChange: boolean;
	/** GoTrue's SITE_URL: where confirmation links land when no allowed `redirect_to` is given. */
	siteUrl: string;
	/** GoTrue's URI allow list (`additional_redirect_urls`); `*` and `**` globs allowed. */
	redirectUrls: string[];
	/** How long a mailed link or code stays valid, in seconds (MAILER_OTP_EXP; the CLI's 3600). */
	otpExpirySeconds: number;
	/** Least time between two mails of one kind to one user (SMTP max_frequency; the CLI's 1 s). */
	emailMaxFrequencySeconds: number;
	/** Largest request body accepted, in bytes; larger ones get 413. */
	maxBodyBytes: number;
	/** Overrides of hosted Realtime's limits (realtime/limits.ts); tests lower them. */
	realtimeLimits?: Partial<RealtimeLimits>;
}
