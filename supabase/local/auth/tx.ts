import type pg from 'pg';

/**
 * Runs `work` in one superuser transaction (Auth owns the auth schema, as GoTrue's
 * supabase_auth_admin does). It commits whatever `work` returns — including a failed Result, the
 * way GoTrue commits a token-family revocation and still answers 400 — and rolls back on a throw.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	let broken = false;
	try {
		await client.query('begin');
		const result = await work(client);
		await client.query('commit');
		return result;
	} catch (err) {
		await client.query('rollback').catch(() => {
			broken = true;
		});
		throw err;
	} finally {
		// A client whose rollback failed has a dead or confused connection; never reuse it.
		client.release(broken);
	}
}

/** A Postgres unique violation on the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
	const e = err as { code?: string; constraint?: string };
	return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
