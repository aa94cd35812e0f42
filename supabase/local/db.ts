import pg from 'pg';
import type { JwtClaims } from './jwt.ts';

/**
 * A pool that survives Postgres restarts: idle clients that die with the server are
 * dropped (pg emits 'error' on them, which would otherwise crash the process) and the next
 * request connects afresh.
 */
export function createPool(url: string, log: (message: string) => void, max = 20): pg.Pool {
	const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
	pool.on('error', (err) => log(`database connection lost: ${err.message}`));
	return pool;
}

export interface RequestIdentity {
	role: string;
	claims: JwtClaims;
	method: string;
	/** Path as PostgREST sees it (after /rest/v1), e.g. /rpc/sync_status. */
	path: string;
	headers: Record<string, string>;
	readOnly: boolean;
}

/**
 * Lends `work` a pooled client and always gives it back. A checked-out client emits 'error' when
 * Postgres dies mid-query; unhandled, that would crash the server, so a listener marks the client
 * broken (the failed query rejects anyway) and a broken client is destroyed, not reused.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	let broken = false;
	const onError = () => {
		broken = true;
	};
	client.on('error', onError);
	try {
		return await work(client);
	} catch (err) {
		// A failed query may leave the connection mid-transaction; the caller's rollback may also
		// have failed. Either way it is safer to drop it.
		if (isConnectionError(err)) broken = true;
		throw err;
	} finally {
		client.off('error', onError);
		client.release(broken);
	}
}

/** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(
	pool: pg.Pool,
	work: (client: pg.PoolClient) => Promise<T>,
	begin = 'begin',
): Promise<T> {
	return withClient(pool, async (client) => {
		await client.query(begin);
		try {
			const result = await work(client);
			await client.query('commit');
			return result;
		} catch (err) {
			await client.query('rollback').catch(() => {});
			throw err;
		}
	});
}

/** Errors that mean the connection itself is unusable, not just the statement. */
function isConnectionError(err: unknown): boolean {
	const code = (err as { code?: string } | null)?.code;
	return code === undefined || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/**
 * Runs `work` in one transaction with the caller's role and claims set exactly as PostgREST sets
 * them (`set_config(…, true)` = SET LOCAL), so RLS, auth.uid() and security definer functions
 * behave as on a hosted project. Any error rolls the whole transaction back.
 */
export function withRequestTransaction<T>(
	pool: pg.Pool,
	identity: RequestIdentity,
	work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
	return inTransaction(
		pool,
		async (client) => {
			await client.query(
				`select set_config('search_path', '"public", "extensions"', true),
				        set_config('role', $1, true),
				        set_config('request.jwt.claims', $2, true),
				        set_config('request.method', $3, true),
				        set_config('request.path', $4, true),
				        set_config('request.headers', $5, true),
				        set_config('request.cookies', '{}', true)`,
				[
					identity.role,
					JSON.stringify(identity.claims),
					identity.method,
					identity.path,
					JSON.stringify(identity.headers),
				],
			);
			return work(client);
		},
		`begin isolation level read committed ${identity.readOnly ? 'read only' : 'read write'}`,
	);
}
