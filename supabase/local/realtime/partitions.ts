import type pg from 'pg';

/**
 * Daily partitions of realtime.messages, kept as hosted Realtime's janitor keeps them: from
 * yesterday to a few days ahead, so an insert never meets a day without a partition (midnight
 * included), and older days dropped. Runs as Realtime's own role, the table's owner.
 */
export const DAYS_BEHIND = 1;
export const DAYS_AHEAD = 3;
/** Hosted keeps broadcast messages about three days. */
export const KEEP_DAYS = 3;

export interface PartitionChanges {
	created: string[];
	dropped: string[];
}

type Queryable = Pick<pg.ClientBase, 'query'>;

const PARTITION_NAME = /^messages_(\d{4})_(\d{2})_(\d{2})$/;
/** Serialises maintenance across API servers sharing a database. */
const MAINTENANCE_LOCK = 727_002;

/**
 * Creates the missing partitions around `today` (an ISO date, default the database's
 * current_date, the calendar that `inserted_at default now()` follows) and drops the expired
 * ones. Tests pass a date to stand at another day.
 */
export async function maintainPartitions(db: Queryable, today?: string): Promise<PartitionChanges> {
	const day = today ?? (await db.query<{ d: string }>('select current_date::text as d')).rows[0]!.d;
	if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`maintainPartitions: not an ISO date: ${day}`);
	const base = Date.parse(`${day}T00:00:00Z`);
	const dayAt = (offset: number) => new Date(base + offset * 86_400_000).toISOString().slice(0, 10);
	const changes: PartitionChanges = { created: [], dropped: [] };
	await db.query('begin');
	try {
		await db.query('select pg_advisory_xact_lock($1)', [MAINTENANCE_LOCK]);
		const { rows } = await db.query<{ name: string }>(
			`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
			 where i.inhparent = 'realtime.messages'::regclass`,
		);
		const existing = new Set(rows.map((r) => r.name));
		for (let offset = -DAYS_BEHIND; offset <= DAYS_AHEAD; offset++) {
			const from = dayAt(offset);
			const name = `messages_${from.replaceAll('-', '_')}`;
			if (existing.has(name)) continue;
			await db.query(
				`create table realtime.${name} partition of realtime.messages for values from ('${from}') to ('${dayAt(offset + 1)}')`,
			);
			changes.created.push(name);
		}
		const oldest = dayAt(-KEEP_DAYS);
		for (const name of existing) {
			const m = PARTITION_NAME.exec(name);
			if (m && `${m[1]}-${m[2]}-${m[3]}` < oldest) {
				await db.query(`drop table realtime.${name}`);
				changes.dropped.push(name);
			}
		}
		await db.query('commit');
	} catch (err) {
		await db.query('rollback').catch(() => {});
		throw err;
	}
	return changes;
}
