import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { signJwt } from '../../supabase/local/jwt.ts';
import { urlAs } from '../../supabase/local/roles.ts';
import { clientFor, startTestStack, type TestApi } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { addMember, b64, createTrip, joinTripChannel, makeChanges, push } from '../server/helpers.ts';

/**
 * The API connects as hosted's roles do, and a caller gets exactly the powers a hosted project
 * gives it: attacks and limits are exercised through HTTP with supabase-js.
 */
const api = await startTestStack();

function tokenFor(target: Pick<TestApi, 'config'>, role: string): string {
	const now = Math.floor(Date.now() / 1000);
	return signJwt(
		{ role, exp: now + 600, iat: now, sub: '00000000-0000-4000-8000-000000000001' },
		target.config.jwtSecret,
	);
}

describe('a token can only take the roles PostgREST may switch to', () => {
	test.each(['postgres', 'supabase_admin', 'supabase_auth_admin', 'supabase_realtime_admin'])(
		'a token claiming role %s reads nothing: 403 42501 "permission denied to set role"',
		async (role) => {
			const owner = await createUser(api);
			await createTrip(owner);
			const client = clientFor(api, tokenFor(api, role));
			for (const table of ['trips', 'trip_members', 'trip_changes', 'profiles']) {
				const { data, error, status } = await client.from(table).select('*');
				expect(data).toBeNull();
				expect(status).toBe(403);
				expect(error).toMatchObject({ code: '42501', message: `permission denied to set role "${role}"` });
			}
			const { error, status } = await client.rpc('pull_changes', {
				p_trip_id: '00000000-0000-4000-8000-000000000002',
				p_after_seq: 0,
			});
			expect(status).toBe(403);
			expect(error?.code).toBe('42501');
		},
	);

	test('a token claiming authenticator itself stays without privileges: 403 "permission denied for table"', async () => {
		// PostgREST switches to its own login role as it would to any other; it holds no grants.
		const { data, error, status } = await clientFor(api, tokenFor(api, 'authenticator')).from('trips').select('*');
		expect(data).toBeNull();
		expect(status).toBe(403);
		expect(error).toMatchObject({ code: '42501', message: 'permission denied for table trips' });
	});

	test('a token claiming postgres cannot join a private trip channel either', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const { channel, status } = await joinTripChannel(clientFor(api, tokenFor(api, 'postgres')), tripId);
		expect(status).not.toBe('SUBSCRIBED');
		await channel.unsubscribe();
	});

	test('a token claiming a role that does not exist gets 401 22023, as PostgREST answers', async () => {
		const { error, status } = await clientFor(api, tokenFor(api, 'nobody')).from('trips').select('*');
		expect(status).toBe(401);
		expect(error).toMatchObject({ code: '22023', message: 'role "nobody" does not exist' });
	});
});

describe('timeouts as hosted sets them', () => {
	test('each API role runs requests with hosted statement and lock timeouts', async () => {
		await api.pool.query(`
			create function public.request_timeouts() returns json language sql stable as $$
				select json_build_object('statement_timeout', current_setting('statement_timeout'),
				                         'lock_timeout', current_setting('lock_timeout'))
			$$`);
		const user = await createUser(api);
		const asAnon = await clientFor(api).rpc('request_timeouts');
		const asUser = await user.client.rpc('request_timeouts');
		const asService = await clientFor(api, api.config.serviceRoleKey).rpc('request_timeouts');
		expect(asAnon.data).toEqual({ statement_timeout: '3s', lock_timeout: '8s' });
		expect(asUser.data).toEqual({ statement_timeout: '8s', lock_timeout: '8s' });
		// service_role has no timeout of its own: authenticator's login settings stay.
		expect(asService.data).toEqual({ statement_timeout: '8s', lock_timeout: '8s' });
	});

	test('a slow anonymous query is cancelled after 3 s with 57014, which PostgREST answers with 500', async () => {
		await api.pool.query(`
			create function public.sleep_for(seconds double precision) returns void language sql as $$
				select pg_sleep(seconds)
			$$`);
		const started = Date.now();
		const { error, status } = await clientFor(api).rpc('sleep_for', { seconds: 30 });
		const elapsed = Date.now() - started;
		expect(status).toBe(500);
		expect(error).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
		expect(elapsed).toBeGreaterThanOrEqual(2900);
		expect(elapsed).toBeLessThan(15_000);
	}, 30_000);
});

describe('a push that waits too long for the trip lock', () => {
	test('fails with 55P03 (500) and stores nothing; the same push succeeds once the lock is free', async () => {
		// Its own database, so the shorter lock_timeout (1 s instead of hosted's 8 s, to keep the
		// test quick) applies to authenticator's logins there only.
		const locked = await startTestStack();
		const database = new URL(locked.databaseUrl).pathname.slice(1);
		await locked.pool.query(`alter role authenticator in database "${database}" set lock_timeout = '1s'`);
		const owner = await createUser(locked);
		const editor = await createUser(locked);
		const tripId = await createTrip(owner);
		await addMember(locked, tripId, editor, 'editor');
		const changes = makeChanges(2, 'lock');

		const holder = await locked.pool.connect();
		try {
			await holder.query('begin');
			await holder.query('select 1 from public.trips where id = $1 for update', [tripId]);
			const { data, error, status } = await editor.client.rpc('push_changes', {
				p_trip_id: tripId,
				p_changes: changes.map(b64),
			});
			expect(data).toBeNull();
			expect(status).toBe(500);
			expect(error).toMatchObject({ code: '55P03', message: 'canceling statement due to lock timeout' });
		} finally {
			await holder.query('rollback');
			holder.release();
		}
		const { rows } = await locked.pool.query('select count(*)::int as n from public.trip_changes where trip_id = $1', [
			tripId,
		]);
		expect(rows[0].n).toBe(0);
		expect(await push(editor, tripId, changes)).toHaveLength(2);
	});
});

describe('the roles themselves', () => {
	test('have the attributes, memberships and settings of a hosted project', async () => {
		const { rows } = await api.pool.query<Record<string, unknown>>(
			`select r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolcanlogin,
			        coalesce((select array_agg(g.rolname::text order by g.rolname) from pg_auth_members m
			                  join pg_roles g on g.oid = m.roleid where m.member = r.oid), '{}') as member_of,
			        coalesce(r.rolconfig, '{}') as config
			 from pg_roles r
			 where r.rolname in ('supabase_admin', 'postgres', 'authenticator', 'anon', 'authenticated', 'service_role')
			 order by r.rolname`,
		);
		const byName = Object.fromEntries(rows.map((r) => [r.rolname, r]));
		expect(byName.supabase_admin).toMatchObject({ rolsuper: true });
		expect(byName.postgres).toMatchObject({
			rolsuper: false,
			rolcreaterole: true,
			rolcreatedb: true,
			rolbypassrls: true,
			rolcanlogin: true,
		});
		expect(byName.authenticator).toMatchObject({
			rolsuper: false,
			rolinherit: false,
			rolcreaterole: false,
			rolbypassrls: false,
			member_of: ['anon', 'authenticated', 'service_role'],
		});
		expect((byName.authenticator!.config as string[]).sort()).toEqual(['lock_timeout=8s', 'statement_timeout=8s']);
		expect(byName.anon).toMatchObject({ rolinherit: true, rolcanlogin: false, config: ['statement_timeout=3s'] });
		expect(byName.authenticated).toMatchObject({ rolinherit: true, config: ['statement_timeout=8s'] });
		expect(byName.service_role).toMatchObject({ rolinherit: true, rolbypassrls: true });
	});

	test('postgres owns public, cannot create in auth or realtime, and may manage policies on realtime.messages', async () => {
		const { rows } = await api.pool.query(
			`select pg_get_userbyid(n.nspowner) as owner, n.nspname,
			        has_schema_privilege('postgres', n.oid, 'CREATE') as can_create
			 from pg_namespace n where n.nspname in ('public', 'auth', 'realtime') order by n.nspname`,
		);
		expect(rows).toEqual([
			{ owner: 'supabase_admin', nspname: 'auth', can_create: false },
			{ owner: 'postgres', nspname: 'public', can_create: true },
			{ owner: 'supabase_admin', nspname: 'realtime', can_create: false },
		]);
		const asPostgres = new pg.Client({ connectionString: urlAs(api.databaseUrl, 'postgres') });
		await asPostgres.connect();
		try {
			await expect(asPostgres.query('create table realtime.mine (id int)')).rejects.toMatchObject({ code: '42501' });
			await expect(
				asPostgres.query('create function auth.mine() returns int language sql as $$ select 1 $$'),
			).rejects.toMatchObject({
				code: '42501',
			});
			await expect(asPostgres.query('alter table realtime.messages disable row level security')).rejects.toMatchObject({
				code: '42501',
			});
			await asPostgres.query(`create policy "probe" on realtime.messages for select to authenticated using (false)`);
			await asPostgres.query(`drop policy "probe" on realtime.messages`);
			const owner = await api.pool.query(
				`select pg_get_userbyid(relowner) as owner from pg_class where oid = 'realtime.messages'::regclass`,
			);
			expect(owner.rows[0].owner).toBe('supabase_realtime_admin');
			const partitionOwners = await api.pool.query(
				`select distinct pg_get_userbyid(c.relowner) as owner from pg_inherits i join pg_class c on c.oid = i.inhrelid
				 where i.inhparent = 'realtime.messages'::regclass`,
			);
			expect(partitionOwners.rows).toEqual([{ owner: 'supabase_realtime_admin' }]);
		} finally {
			await asPostgres.end();
		}
	});
});
