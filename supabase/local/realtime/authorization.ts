import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withClient } from '../db.ts';
import type { Caller } from '../callers.ts';

/**
 * Private-channel authorization exactly as Realtime's `tenants/authorization.ex` (§3.8): RLS
 * policies on `realtime.messages` decide, probed inside transactions that are always rolled back
 * (so probes are never delivered: the NOTIFY trigger only fires on commit).
 */
export type Extension = 'broadcast' | 'presence';

export interface ReadPermissions {
	broadcast: boolean;
	presence: boolean;
}

export interface Authorizer {
	/** Read check at join and on a new access token; `presence` is probed only if enabled. */
	canRead(
		caller: Caller,
		subTopic: string,
		presenceEnabled: boolean,
		headers: Record<string, string>,
	): Promise<ReadPermissions>;
	/** Write check, done lazily on the first broadcast / track / REST send to a private topic. */
	canWrite(caller: Caller, subTopic: string, extension: Extension, headers: Record<string, string>): Promise<boolean>;
}

export function createAuthorizer(pool: pg.Pool): Authorizer {
	return {
		canRead: (caller, subTopic, presenceEnabled, headers) =>
			inRolledBackTransaction(pool, async (client) => {
				const probes: [Extension, string][] = [['broadcast', randomUUID()]];
				if (presenceEnabled) probes.push(['presence', randomUUID()]);
				// As supabase_realtime_admin (the table's owner: RLS does not apply) before switching role.
				for (const [extension, id] of probes) {
					await client.query(
						`insert into realtime.messages (id, topic, extension, private) values ($1, $2, $3, true)`,
						[id, subTopic, extension],
					);
				}
				await setCallerGucs(client, caller, subTopic, headers);
				const { rows } = await client.query<{ id: string }>(
					'select id from realtime.messages where id = any($1::uuid[])',
					[probes.map(([, id]) => id)],
				);
				const visible = new Set(rows.map((r) => r.id));
				const allowed = (ext: Extension) => probes.some(([e, id]) => e === ext && visible.has(id));
				return { broadcast: allowed('broadcast'), presence: allowed('presence') };
			}),
		canWrite: (caller, subTopic, extension, headers) =>
			inRolledBackTransaction(pool, async (client) => {
				await setCallerGucs(client, caller, subTopic, headers);
				await client.query('savepoint write_check');
				try {
					await client.query(`insert into realtime.messages (topic, extension, private) values ($1, $2, true)`, [
						subTopic,
						extension,
					]);
					return true;
				} catch (err) {
					if ((err as { code?: string }).code === '42501') return false;
					throw err;
				}
			}),
	};
}

/** The GUCs Realtime sets before probing, so policies see auth.uid(), auth.jwt(), realtime.topic(). */
async function setCallerGucs(client: pg.PoolClient, caller: Caller, subTopic: string, headers: Record<string, string>) {
	const sub = typeof caller.claims.sub === 'string' ? caller.claims.sub : '';
	await client.query(
		`select set_config('role', $1, true),
		        set_config('realtime.topic', $2, true),
		        set_config('request.jwt.claims', $3, true),
		        set_config('request.jwt.claim.sub', $4, true),
		        set_config('request.jwt.claim.role', $1, true),
		        set_config('request.headers', $5, true)`,
		[caller.role, subTopic, JSON.stringify(caller.claims), sub, JSON.stringify(headers)],
	);
}

/** Probes run in a transaction that is always rolled back: they must leave nothing behind. */
function inRolledBackTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	return withClient(pool, async (client) => {
		await client.query('begin');
		try {
			return await work(client);
		} finally {
			await client.query('rollback');
		}
	});
}
