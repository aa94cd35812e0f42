import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { maintainPartitions } from '../../supabase/local/realtime/partitions.ts';
import { ROLES, urlAs } from '../../supabase/local/roles.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { addMember, createTrip, joinTripChannel, makeChanges, pullAll, push, sleep } from './helpers.ts';

/**
 * realtime.messages is partitioned by day with no default partition, as on hosted Realtime. A
 * broadcast needs a partition for the day it is sent; the sync engine must not need the broadcast.
 */
const api = await startTestStack();

// Realtime's own role owns the table and its partitions, as the stack's maintenance runs.
const realtime = new pg.Client({ connectionString: urlAs(api.databaseUrl, ROLES.realtime) });
await realtime.connect();
afterAll(() => realtime.end());

async function partitions(): Promise<string[]> {
	const { rows } = await api.pool.query<{ name: string }>(
		`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
		 where i.inhparent = 'realtime.messages'::regclass order by 1`,
	);
	return rows.map((r) => r.name);
}

async function dayOffset(days: number): Promise<string> {
	const { rows } = await api.pool.query<{ d: string }>('select (current_date + $1::int)::text as d', [days]);
	return rows[0]!.d;
}

const partitionName = (day: string) => `messages_${day.replaceAll('-', '_')}`;

async function dropAllPartitions(): Promise<void> {
	for (const name of await partitions()) await realtime.query(`drop table realtime.${name}`);
}

/** An owner pushing and a viewer listening on the trip's private channel. */
async function tripWithListener() {
	const owner = await createUser(api);
	const viewer = await createUser(api);
	const tripId = await createTrip(owner);
	await addMember(api, tripId, viewer, 'viewer');
	const received: { from_seq: number; to_seq: number }[] = [];
	const { channel, status } = await joinTripChannel(viewer.client, tripId, (ch) =>
		ch.on('broadcast', { event: 'changes' }, (m) => void received.push(m.payload as never)),
	);
	expect(status).toBe('SUBSCRIBED');
	return { owner, viewer, tripId, channel, received };
}

test('the table has hosted shape: partitioned by inserted_at, no default partition, its check and index', async () => {
	const { rows } = await api.pool.query(
		`select pg_get_partkeydef('realtime.messages'::regclass) as key,
		        (select count(*)::int from pg_partitioned_table p where p.partrelid = 'realtime.messages'::regclass
		           and p.partdefid <> 0) as default_partitions,
		        (select pg_get_constraintdef(c.oid) from pg_constraint c
		          where c.conrelid = 'realtime.messages'::regclass and c.conname = 'messages_payload_exclusive') as payload_check,
		        (select pg_get_indexdef('realtime.messages_inserted_at_topic_index'::regclass)) as topic_index`,
	);
	expect(rows[0]).toEqual({
		key: 'RANGE (inserted_at)',
		default_partitions: 0,
		payload_check: 'CHECK (((payload IS NULL) OR (binary_payload IS NULL)))',
		topic_index: expect.stringContaining('(inserted_at DESC, topic) WHERE ((extension = '),
	});
});

test('the stack keeps partitions from yesterday to three days ahead and drops those older than three days', async () => {
	const expected = await Promise.all([-1, 0, 1, 2, 3].map(async (d) => partitionName(await dayOffset(d))));
	// The API's maintenance runs when it starts.
	await eventually(async () => {
		const now = await partitions();
		return expected.every((p) => now.includes(p));
	}, 'the partitions from yesterday to three days ahead');
	// Standing ten days back creates old partitions; maintenance today drops them again.
	const old = await maintainPartitions(realtime, await dayOffset(-10));
	expect(old.created).toContain(partitionName(await dayOffset(-10)));
	const cutoff = partitionName(await dayOffset(-3));
	const today = await maintainPartitions(realtime);
	expect(today.created).toEqual([]);
	expect(today.dropped.sort()).toEqual(old.created.filter((p) => p < cutoff).sort());
	expect((await partitions()).filter((p) => p < cutoff)).toEqual([]);
	expect(await partitions()).toEqual(expect.arrayContaining(expected));
});
test('a push after midnight still broadcasts: the partitions made the day before already cover the new day', async () => {
	// The state the stack leaves behind when its last maintenance ran yesterday.
	await dropAllPartitions();
	await maintainPartitions(realtime, await dayOffset(-1));
	expect(await partitions()).toContain(partitionName(await dayOffset(0)));

	const { owner, tripId, channel, received } = await tripWithListener();
	await push(owner, tripId, makeChanges(1, 'after-midnight'));
	await eventually(() => received.length === 1, 'the broadcast of a push made the day after maintenance');
	expect(received[0]).toMatchObject({ from_seq: 1, to_seq: 1 });
	await channel.unsubscribe();
});

test('with no partition for today, realtime.send warns and the push commits; members catch up by pulling', async () => {
	await maintainPartitions(realtime);
	// Joined before the partition goes: Realtime's join-time RLS probe writes to the table too.
	const { owner, viewer, tripId, channel, received } = await tripWithListener();
	await realtime.query(`drop table realtime.${partitionName(await dayOffset(0))}`);
	try {
		const changes = makeChanges(2, 'no-partition');
		const stored = await push(owner, tripId, changes);
		expect(stored.map((r) => r.seq)).toEqual([1, 2]);
		expect((await pullAll(viewer, tripId)).map((c) => c.seq)).toEqual([1, 2]);
		await sleep(500);
		expect(received).toEqual([]);

		// What the pusher's session is told, as hosted realtime.send reports it.
		const asPostgres = new pg.Client({ connectionString: urlAs(api.databaseUrl, ROLES.owner) });
		const notices: { severity?: string; message: string }[] = [];
		asPostgres.on('notice', (n) => notices.push({ severity: n.severity, message: n.message ?? '' }));
		await asPostgres.connect();
		try {
			await asPostgres.query(`select realtime.send('{"a":1}'::jsonb, 'probe', 'trip:none', true)`);
		} finally {
			await asPostgres.end();
		}
		expect(notices).toEqual([
			{
				severity: 'WARNING',
				message: expect.stringMatching(
					/^ErrorSendingBroadcastMessage: no partition of relation "messages" found for row/,
				),
			},
		]);
	} finally {
		await maintainPartitions(realtime);
	}
	// Once maintenance has put the partition back, the same channel receives again.
	await push(owner, tripId, makeChanges(1, 'restored'));
	await eventually(() => received.length === 1, 'a broadcast once the partition is back');
	expect(received[0]).toMatchObject({ from_seq: 3, to_seq: 3 });
	await channel.unsubscribe();
});
