import { beforeAll, describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';

const api = await startTestStack();
const anon = clientFor(api);
const service = clientFor(api, api.config.serviceRoleKey);
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
	alice = await createUser(api);
	bob = await createUser(api);
	await api.pool.query(`
		create table public.notes (
		  id bigint generated always as identity primary key,
		  owner uuid,
		  body text,
		  rank int,
		  data bytea,
		  created_at timestamptz default now()
		);
		alter table public.notes enable row level security;
		create policy "owners read own" on public.notes for select to authenticated using ((select auth.uid()) = owner);
		create policy "owners add own" on public.notes for insert to authenticated with check ((select auth.uid()) = owner);
		create policy "owners change own" on public.notes for update to authenticated using ((select auth.uid()) = owner);
		create policy "owners remove own" on public.notes for delete to authenticated using ((select auth.uid()) = owner);
		create table public.cities (id int primary key, name text, country text, population int);
		insert into public.cities values
		  (1, 'Lyon', 'FR', 520000), (2, 'Paris', 'FR', 2100000), (3, 'Kyoto', 'JP', 1460000),
		  (4, 'Osaka', 'JP', null), (5, 'Bern', 'CH', 134000);
	`);
	await api.pool.query(
		`insert into public.notes (owner, body, rank, data) values ($1, 'a1', 1, '\\x00ff'), ($1, 'a2', 2, null), ($2, 'b1', 1, null)`,
		[alice.id, bob.id],
	);
});

describe('row level security', () => {
	test('each user reads only their own rows', async () => {
		const { data: mine } = await alice.client.from('notes').select('body').order('body');
		expect(mine).toEqual([{ body: 'a1' }, { body: 'a2' }]);
		const { data: theirs } = await bob.client.from('notes').select('body');
		expect(theirs).toEqual([{ body: 'b1' }]);
	});

	test('anon sees no rows, and the service role sees all', async () => {
		expect((await anon.from('notes').select('*')).data).toEqual([]);
		expect((await service.from('notes').select('id')).data).toHaveLength(3);
	});

	test('inserting a row for someone else violates the policy: 403', async () => {
		const { error, status } = await alice.client.from('notes').insert({ owner: bob.id, body: 'forged' });
		expect(status).toBe(403);
		expect(error?.code).toBe('42501');
	});

	test('update and delete touch only the caller’s rows', async () => {
		const { data } = await bob.client.from('notes').update({ body: 'hacked' }).eq('body', 'a1').select();
		expect(data).toEqual([]);
		await bob.client.from('notes').delete().eq('body', 'a2');
		const { rows } = await api.pool.query(`select body from public.notes where owner = $1 order by body`, [alice.id]);
		expect(rows.map((r) => r.body)).toEqual(['a1', 'a2']);
	});
});

describe('reads', () => {
	test('eq, in, order and limit combine as in PostgREST', async () => {
		const { data } = await anon
			.from('cities')
			.select('name')
			.eq('country', 'FR')
			.order('population', { ascending: false });
		expect(data).toEqual([{ name: 'Paris' }, { name: 'Lyon' }]);
		const { data: some } = await anon.from('cities').select('id').in('country', ['JP', 'CH']).order('id').limit(2);
		expect(some).toEqual([{ id: 3 }, { id: 4 }]);
	});

	test('comparison, is-null and negated filters', async () => {
		const names = async (q: PromiseLike<{ data: { name: string }[] | null }>) => (await q).data?.map((r) => r.name);
		expect(await names(anon.from('cities').select('name').gt('population', 1_000_000).order('name'))).toEqual([
			'Kyoto',
			'Paris',
		]);
		expect(await names(anon.from('cities').select('name').is('population', null))).toEqual(['Osaka']);
		expect(
			await names(anon.from('cities').select('name').neq('country', 'JP').lte('population', 520000).order('name')),
		).toEqual(['Bern', 'Lyon']);
		expect(await names(anon.from('cities').select('name').not('country', 'in', '(FR,JP)'))).toEqual(['Bern']);
	});

	test('values with commas and quotes stay data inside in()', async () => {
		await api.pool.query(`insert into public.cities values (6, 'Washington, D.C.', 'US', 700000)`);
		const { data } = await anon.from('cities').select('id').in('name', ['Washington, D.C.', 'Lyon']).order('id');
		expect(data).toEqual([{ id: 1 }, { id: 6 }]);
	});

	test('order honours nullsfirst, and offset pages through', async () => {
		const { data } = await anon
			.from('cities')
			.select('name')
			.order('population', { ascending: true, nullsFirst: true })
			.range(0, 1);
		expect(data).toEqual([{ name: 'Osaka' }, { name: 'Bern' }]);
		const { data: next } = await anon.from('cities').select('name').order('id').range(1, 2);
		expect(next).toEqual([{ name: 'Paris' }, { name: 'Kyoto' }]);
	});

	test('select renames and casts columns', async () => {
		const { data } = await anon.from('cities').select('city:name,id::text').eq('id', 1);
		expect(data).toEqual([{ city: 'Lyon', id: '1' }]);
	});

	test('.single() needs exactly one row: 0 or 2 rows are 406 PGRST116', async () => {
		expect((await anon.from('cities').select('name').eq('id', 2).single()).data).toEqual({ name: 'Paris' });
		const none = await anon.from('cities').select('name').eq('id', 99).single();
		expect(none).toMatchObject({ status: 406, error: { code: 'PGRST116', details: 'The result contains 0 rows' } });
		const two = await anon.from('cities').select('name').eq('country', 'FR').single();
		expect(two).toMatchObject({ status: 406, error: { code: 'PGRST116', details: 'The result contains 2 rows' } });
	});

	test('count=exact gives the total; a partial page is 206; head returns only the count', async () => {
		const page = await anon.from('cities').select('id', { count: 'exact' }).eq('country', 'JP').limit(1);
		expect(page).toMatchObject({ count: 2, status: 206 });
		const head = await anon.from('cities').select('*', { count: 'exact', head: true }).eq('country', 'FR');
		expect(head).toMatchObject({ count: 2, data: null, status: 200 });
	});

	test('bytea comes out as \\x hex and goes in from it', async () => {
		const { data } = await alice.client.from('notes').select('data').eq('body', 'a1').single();
		expect(data).toEqual({ data: '\\x00ff' });
		const { data: inserted } = await alice.client
			.from('notes')
			.insert({ owner: alice.id, body: 'bin', data: '\\xdeadbeef' })
			.select('data')
			.single();
		expect(inserted).toEqual({ data: '\\xdeadbeef' });
		const { rows } = await api.pool.query(`select data from public.notes where body = 'bin'`);
		expect(rows[0].data).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
	});

	test('an unknown table is 404 PGRST205, suggesting a close name', async () => {
		const { error, status } = await anon.from('citys').select('*');
		expect(status).toBe(404);
		expect(error).toEqual({
			code: 'PGRST205',
			message: "Could not find the table 'public.citys' in the schema cache",
			details: null,
			hint: "Perhaps you meant the table 'public.cities'",
		});
	});

	test('an unknown column is 400 42703', async () => {
		const { error, status } = await anon.from('cities').select('nope');
		expect(status).toBe(400);
		expect(error?.code).toBe('42703');
	});

	test('a malformed filter is 400 PGRST100', async () => {
		const res = await fetch(`${api.url}/rest/v1/cities?id=bogus.1`, { headers: { apikey: api.config.anonKey } });
		expect(res.status).toBe(400);
		expect((await res.json()).code).toBe('PGRST100');
	});
});

describe('writes', () => {
	test('insert returns the row with return=representation, and nothing with minimal', async () => {
		const { data, status } = await alice.client
			.from('notes')
			.insert({ owner: alice.id, body: 'new', rank: 3 })
			.select('body, rank');
		expect(status).toBe(201);
		expect(data).toEqual([{ body: 'new', rank: 3 }]);
		const minimal = await alice.client.from('notes').insert([
			{ owner: alice.id, body: 'm1' },
			{ owner: alice.id, body: 'm2' },
		]);
		expect(minimal).toMatchObject({ status: 201, data: null, error: null });
		const { rows } = await api.pool.query(`select count(*)::int as n from public.notes where body in ('m1', 'm2')`);
		expect(rows[0].n).toBe(2);
	});

	test('update and delete apply filters and report the rows', async () => {
		const { data } = await alice.client.from('notes').update({ rank: 9 }).eq('body', 'new').select('body, rank');
		expect(data).toEqual([{ body: 'new', rank: 9 }]);
		const { data: gone, status } = await alice.client.from('notes').delete().eq('body', 'new').select('body');
		expect(status).toBe(200);
		expect(gone).toEqual([{ body: 'new' }]);
	});

	test('a duplicate key is 409 23505 with the Postgres detail', async () => {
		const { error, status } = await service.from('cities').insert({ id: 1, name: 'Again' });
		expect(status).toBe(409);
		expect(error).toMatchObject({ code: '23505', details: 'Key (id)=(1) already exists.' });
	});

	test('an unknown column in the body is 400 PGRST204', async () => {
		const { error, status } = await service.from('cities').insert({ id: 9, nam: 'x' });
		expect(status).toBe(400);
		expect(error).toMatchObject({
			code: 'PGRST204',
			message: "Could not find the 'nam' column of 'cities' in the schema cache",
		});
	});
});
