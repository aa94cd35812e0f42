/**
 * The database roles of a hosted Supabase project that the local stack connects as. Each part
 * connects with its own role, as on hosted, so a privilege the platform does not grant fails here
 * too: PostgREST as `authenticator`, GoTrue as `supabase_auth_admin`, Realtime as
 * `supabase_realtime_admin`, migrations as `postgres` (not a superuser), and only the stack
 * itself (bootstrap, template clones) and the test harness as the cluster superuser.
 */
export const ROLES = {
	/** Cluster superuser (initdb's bootstrap user): bootstrap.sql, CREATE DATABASE, tests' setup. */
	admin: 'supabase_admin',
	/** Owner of the project's objects; `supabase db push` and the dashboard connect as it. */
	owner: 'postgres',
	/** PostgREST's login role: switches to anon / authenticated / service_role per request. */
	rest: 'authenticator',
	auth: 'supabase_auth_admin',
	realtime: 'supabase_realtime_admin',
} as const;

/**
 * The same database as `url`, connected as `role`. Every login role has the password of the
 * superuser URL the stack was given (bootstrap.sql sets it), so only the user name changes.
 */
export function urlAs(url: string, role: string): string {
	const parsed = new URL(url);
	parsed.username = encodeURIComponent(role);
	return parsed.toString();
}

/** The password in a connection URL, decoded ('' when there is none). */
export function passwordOf(url: string): string {
	return decodeURIComponent(new URL(url).password);
}
