/**
 * Auth's transactions run as supabase_auth_admin, the owner of the auth tables, as GoTrue's do. They commit whatever `work` returns — including a failed Result, the
 * way GoTrue commits a token-family revocation and still answers 400 — and roll back on a throw.
 */
export { inTransaction } from '../db.ts';

/** A Postgres unique violation on the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
	const e = err as { code?: string; constraint?: string };
	return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
