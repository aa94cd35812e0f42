import { readdir } from 'node:fs/promises';
import { afterAll, expect, inject, test } from 'vitest';
import { MIGRATIONS_DIR } from '../../supabase/local/migrate.ts';
import { databasesOf, startTestApi } from '../../supabase/local/testing.ts';
import { clientFor, eventually } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { b64, createTrip, expectError, joinTripChannel, makeChanges, pullAll } from '../server/helpers.ts';

/**
 * Parity with a hosted project: a database built from nothing the way `supabase db push` builds
 * one — bootstrap.sql as the platform, then every migration as the non-superuser `postgres` — and
 * then Tripmate's authorization, push, pull and broadcast against it. Anything in a migration that
 * needs a superuser fails here, as it would on hosted.
 */
const fresh = databasesOf(inject('pgAdminUrl'), true);
const api = await startTestApi(fresh);
afterAll(async () => {
	await api.close();
	await fresh.dropDatabase(api.databaseUrl);
});

test('every migration was applied once, in order, by postgres, which is not a superuser', async () => {
	const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{14}_.+\.sql$/.test(f)).sort();
	const { rows } = await api.pool.query(
		'select version, name from supabase_migrations.schema_migrations order by version',
	);
	expect(rows.map((r) => `${r.version}_${r.name}.sql`)).toEqual(files);
	const { rows: roles } = await api.pool.query("select rolsuper from pg_roles where rolname = 'postgres'");
	expect(roles).toEqual([{ rolsuper: false }]);
});

test('everything the migrations made belongs to postgres', async () => {
	const { rows } = await api.pool.query(
		`select kind, name, owner from (
		   select 'schema' as kind, n.nspname::text as name, pg_get_userbyid(n.nspowner) as owner
		   from pg_namespace n where n.nspname in ('public', 'private')
		   union all
		   select 'relation', c.oid::regclass::text, pg_get_userbyid(c.relowner)
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'private')
		   union all
		   select 'function', p.oid::regprocedure::text, pg_get_userbyid(p.proowner)
		   from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('public', 'private')
		 ) o where owner <> 'postgres' order by 1, 2`,
	);
	expect(rows).toEqual([]);
	const { rows: counts } = await api.pool.query(
		`select (select count(*)::int from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r') as tables,
		        (select count(*)::int from pg_policies where schemaname = 'realtime') as realtime_policies`,
	);
	expect(counts[0].tables).toBeGreaterThan(3);
	expect(counts[0].realtime_policies).toBeGreaterThan(0);
});

test('invite, push, pull, broadcast and refusals work on the database built from scratch', async () => {
	const owner = await createUser(api);
	const editor = await createUser(api);
	const viewer = await createUser(api);
	const stranger = await createUser(api);
	const tripId = await createTrip(owner);
	for (const [user, role] of [
		[editor, 'editor'],
		[viewer, 'viewer'],
	] as const) {
		const invite = await owner.client.rpc('create_invite', { p_trip_id: tripId, p_role: role });
		expect(invite.error).toBeNull();
		expect((await user.client.rpc('accept_invite', { p_token: invite.data as string })).error).toBeNull();
	}

	const received: { from_seq: number; to_seq: number }[] = [];
	const { channel, status } = await joinTripChannel(viewer.client, tripId, (ch) =>
		ch.on('broadcast', { event: 'changes' }, (m) => void received.push(m.payload as never)),
	);
	expect(status).toBe('SUBSCRIBED');
	const strangerJoin = await joinTripChannel(stranger.client, tripId);
	expect(strangerJoin.status).not.toBe('SUBSCRIBED');

	const changes = makeChanges(3, 'parity');
	const pushed = await editor.client.rpc('push_changes', { p_trip_id: tripId, p_changes: changes.map(b64) });
	expect(pushed.error).toBeNull();
	expect((pushed.data as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2, 3]);
	expect((await pullAll(viewer, tripId)).map((c) => c.data)).toEqual(changes.map(b64));
	await eventually(() => received.length === 1, 'the broadcast of the push');
	expect(received[0]).toMatchObject({ from_seq: 1, to_seq: 3 });

	const more = makeChanges(1, 'refused').map(b64);
	expectError(await viewer.client.rpc('push_changes', { p_trip_id: tripId, p_changes: more }), 403, '42501');
	expectError(await stranger.client.rpc('pull_changes', { p_trip_id: tripId, p_after_seq: 0 }), 403, '42501');
	expectError(await clientFor(api).rpc('pull_changes', { p_trip_id: tripId, p_after_seq: 0 }), 401, '42501');
	const { data: visible } = await stranger.client.from('trips').select('id');
	expect(visible).toEqual([]);
	await channel.unsubscribe();
	await strangerJoin.channel.unsubscribe();
});
