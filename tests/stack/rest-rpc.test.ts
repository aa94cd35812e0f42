import type { SupabaseClientOptions } from '@supabase/supabase-js';
import { beforeAll, describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const api = await startTestStack();
const anon = clientFor(api);

beforeAll(async () => {
	await api.pool.query(`
		create table public.events (id bigint generated always as identity primary key, kind text, at timestamptz);
		insert into public.events (kind, at) values ('a', '2024-01-02T03:04:05Z'), ('b', null), ('c', '2024-06-01T00:00:00Z');

		create function public.echo(a int, b text default 'x') returns text language sql as $$ select a::text || b $$;
		create function public.echo(s text) returns text language sql as $$ select 'text:' || s $$;
		create function public.add_days(d date, n int) returns date language sql immutable as $$ select d + n $$;
		create function public.big() returns bigint language sql as $$ select 9007199254740993 $$;
		create function public.nothing() returns int language sql as $$ select null::int $$;
		create function public.blob(b bytea) returns bytea language sql as $$ select b || '\\xff'::bytea $$;
		create function public.sum_all(xs int[]) returns int language sql as $$ select sum(x)::int from unnest(xs) x $$;
		create function public.whole(body jsonb) returns jsonb language sql as $$ select body -> 'k' $$;
		create function public.unnamed(json) returns json language sql as $$ select $1 $$;
		create function public.touch(note text) returns void language plpgsql as $$
		  begin insert into public.events (kind) values (note); end $$;
		create function public.numbers(n int) returns setof int language sql as $$ select generate_series(1, n) $$;
		create function public.kinds() returns setof public.events language sql stable as $$ select * from public.events order by id $$;
		create function public.pairs(n int) returns table (i int, label text) language sql as $$
		  select g, 'n' || g from generate_series(1, n) g $$;
		create function public.first_event() returns public.events language sql stable as $$ select * from public.events order by id limit 1 $$;
		-- A STABLE function may not write itself (0A000); calling a volatile one that does is what
		-- only the read-only transaction stops.
		create function public.sneaky_write() returns int language plpgsql stable as $$
		  begin perform public.touch('nope'); return 1; end $$;
		create function public.fail(code text) returns int language plpgsql as $$
		  begin
		    if code = 'P0001' then raise exception 'boom' using detail = 'the detail', hint = 'the hint';
		    elsif code = '22023' then raise exception 'bad value' using errcode = '22023';
		    elsif code = '42501' then raise exception 'not yours' using errcode = '42501';
		    else raise exception 'custom' using errcode = code; end if;
		  end $$;
		create function public.payment_required() returns int language plpgsql as $$
		  begin
		    raise sqlstate 'PGRST' using
		      message = '{"code":"123","message":"Payment Required","details":"Quota exceeded","hint":"Upgrade your plan"}',
		      detail = '{"status":402,"headers":{"X-Powered-By":"Nerd Rage"}}';
		  end $$;
		create function public.teapot() returns int language plpgsql as $$
		  begin
		    perform set_config('response.status', '418', true);
		    perform set_config('response.headers', '[{"X-Brewed":"yes"}]', true);
		    return 1;
		  end $$;
	`);
});

describe('arguments', () => {
	test('named JSON arguments reach the function, and a parameter with a default may be omitted', async () => {
		expect(await anon.rpc('echo', { a: 1, b: 'y' })).toMatchObject({ data: '1y', status: 200, error: null });
		expect((await anon.rpc('echo', { a: 2 })).data).toBe('2x');
	});

	test('overloads are told apart by argument names', async () => {
		expect((await anon.rpc('echo', { s: 'hi' })).data).toBe('text:hi');
	});

	test('strings convert through the declared type, as PostgREST does', async () => {
		expect((await anon.rpc('add_days', { d: '2024-02-28', n: 2 })).data).toBe('2024-03-01');
	});

	test('GET passes query arguments, arrays as Postgres array literals', async () => {
		expect((await anon.rpc('sum_all', { xs: [1, 2, 3] }, { get: true })).data).toBe(6);
		expect((await anon.rpc('echo', { a: 7, b: 'z' }, { get: true })).data).toBe('7z');
	});

	test('a JSON array argument reaches an array parameter', async () => {
		expect((await anon.rpc('sum_all', { xs: [4, 5] })).data).toBe(9);
	});

	test('a jsonb parameter receives the JSON value itself', async () => {
		expect((await anon.rpc('whole', { body: { k: [1, { x: true }] } })).data).toEqual([1, { x: true }]);
	});

	test('a single unnamed json parameter receives the whole body', async () => {
		expect((await anon.rpc('unnamed', { any: 'thing', n: 1 })).data).toEqual({ any: 'thing', n: 1 });
	});

	test('an unknown argument is PGRST202 with PostgREST’s message, details and hint', async () => {
		const { error, status } = await anon.rpc('add_days', { d: '2024-01-01', m: 1 });
		expect(status).toBe(404);
		expect(error).toEqual({
			code: 'PGRST202',
			message: 'Could not find the function public.add_days(d, m) in the schema cache',
			details:
				'Searched for the function public.add_days with parameters d, m or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
			hint: 'Perhaps you meant to call the function public.add_days(d, n)',
		});
	});

	test('an unknown function is PGRST202, suggesting a similar name', async () => {
		const { error, status } = await anon.rpc('ech0', {});
		expect(status).toBe(404);
		expect(error).toMatchObject({
			code: 'PGRST202',
			message: 'Could not find the function public.ech0 without parameters in the schema cache',
			hint: 'Perhaps you meant to call the function public.echo',
		});
	});

	test('a function created after the first request is found without a reload', async () => {
		await anon.rpc('echo', { a: 1 });
		await api.pool.query(`create function public.late() returns text language sql as $$ select 'here' $$`);
		expect((await anon.rpc('late')).data).toBe('here');
	});

	test('a function replaced with a new signature is called with the new one', async () => {
		await api.pool.query(`create function public.morph(a int) returns int language sql as $$ select a $$`);
		expect((await anon.rpc('morph', { a: 1 })).data).toBe(1);
		await api.pool.query(
			`drop function public.morph(int); create function public.morph(a text) returns text language sql as $$ select 'now ' || a $$`,
		);
		expect((await anon.rpc('morph', { a: 'text' })).data).toBe('now text');
	});

	test('malformed JSON is 400 PGRST102', async () => {
		const res = await fetch(`${api.url}/rest/v1/rpc/echo`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
			body: '{"a": 1',
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ code: 'PGRST102', details: null, hint: null, message: 'Empty or invalid json' });
	});

	test('an argument value of the wrong type is a 400 with the Postgres error', async () => {
		const { error, status } = await anon.rpc('add_days', { d: 'not a date', n: 1 });
		expect(status).toBe(400);
		expect(error?.code).toBe('22007');
	});
});

describe('return shapes', () => {
	test('a scalar comes back bare; bigint as a JSON number; SQL NULL as null', async () => {
		const res = await fetch(`${api.url}/rest/v1/rpc/big`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(await res.text()).toBe('9007199254740993');
		expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(await anon.rpc('nothing')).toMatchObject({ data: null, error: null, status: 200 });
	});

	test('bytea round-trips as \\x hex text', async () => {
		expect((await anon.rpc('blob', { b: '\\x0102' })).data).toBe('\\x0102ff');
	});

	test('void is 204 with no body, and its writes are kept', async () => {
		const res = await anon.rpc('touch', { note: 'touched' });
		expect(res).toMatchObject({ status: 204, data: null, error: null });
		const { rows } = await api.pool.query(`select count(*)::int as n from public.events where kind = 'touched'`);
		expect(rows[0].n).toBe(1);
	});

	test('SETOF scalar is an array', async () => {
		expect((await anon.rpc('numbers', { n: 3 })).data).toEqual([1, 2, 3]);
		expect((await anon.rpc('numbers', { n: 0 })).data).toEqual([]);
	});

	test('a composite is one object, with timestamptz as ISO text', async () => {
		expect((await anon.rpc('first_event')).data).toEqual({ id: 1, kind: 'a', at: '2024-01-02T03:04:05+00:00' });
	});

	test('RETURNS TABLE is an array of objects that select, filters, order and limit shape', async () => {
		expect((await anon.rpc('pairs', { n: 2 })).data).toEqual([
			{ i: 1, label: 'n1' },
			{ i: 2, label: 'n2' },
		]);
		const { data } = await anon
			.rpc('pairs', { n: 5 })
			.select('label')
			.gte('i', 2)
			.order('i', { ascending: false })
			.limit(2);
		expect(data).toEqual([{ label: 'n5' }, { label: 'n4' }]);
	});

	test('filters on a GET call apply to the result, beside the arguments', async () => {
		const { data } = await anon.rpc('pairs', { n: 4 }, { get: true }).in('i', [1, 3]);
		expect(data).toEqual([
			{ i: 1, label: 'n1' },
			{ i: 3, label: 'n3' },
		]);
	});

	test('count=exact puts the total in Content-Range and answers 206 for a partial page', async () => {
		const res = await anon.rpc('pairs', { n: 5 }, { count: 'exact' }).limit(2);
		expect(res).toMatchObject({ count: 5, status: 206 });
		expect(res.data).toHaveLength(2);
	});

	test('.single() on a set needs exactly one row, else 406 PGRST116', async () => {
		expect((await anon.rpc('pairs', { n: 1 }).single()).data).toEqual({ i: 1, label: 'n1' });
		const two = await anon.rpc('pairs', { n: 2 }).single();
		expect(two.status).toBe(406);
		expect(two.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' });
		expect((await anon.rpc('pairs', { n: 0 }).single()).error?.details).toBe('The result contains 0 rows');
	});

	test('response.status and response.headers set by the function shape the response', async () => {
		const res = await fetch(`${api.url}/rest/v1/rpc/teapot`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(res.status).toBe(418);
		expect(res.headers.get('x-brewed')).toBe('yes');
	});
});

describe('errors', () => {
	test('RAISE EXCEPTION is 400 P0001 with DETAIL and HINT', async () => {
		const { error, status } = await anon.rpc('fail', { code: 'P0001' });
		expect(status).toBe(400);
		expect(error).toEqual({ code: 'P0001', message: 'boom', details: 'the detail', hint: 'the hint' });
	});

	test('a data exception (22023) is 400', async () => {
		expect(await anon.rpc('fail', { code: '22023' })).toMatchObject({
			status: 400,
			error: { code: '22023', message: 'bad value' },
		});
	});

	test('42501 is 401 for anon and 403 for a signed-in user', async () => {
		expect((await anon.rpc('fail', { code: '42501' })).status).toBe(401);
		const user = await createUser(api);
		expect((await user.client.rpc('fail', { code: '42501' })).status).toBe(403);
	});

	test('SQLSTATE PTnnn becomes HTTP status nnn', async () => {
		expect(await anon.rpc('fail', { code: 'PT413' })).toMatchObject({
			status: 413,
			error: { code: 'PT413', message: 'custom' },
		});
	});

	test('a STABLE function that writes is 405 (read-only transaction), and the write is not kept', async () => {
		const { error, status } = await anon.rpc('sneaky_write');
		expect(status).toBe(405);
		expect(error?.code).toBe('25006');
		const { rows } = await api.pool.query(`select count(*)::int as n from public.events where kind = 'nope'`);
		expect(rows[0].n).toBe(0);
	});

	test('a VOLATILE function called with GET runs read-only too', async () => {
		expect((await anon.rpc('touch', { note: 'via get' }, { get: true })).status).toBe(405);
	});

	test('a failing function rolls back its writes', async () => {
		await api.pool.query(`create function public.write_then_fail() returns int language plpgsql as $$
		  begin insert into public.events (kind) values ('rolled back'); raise exception 'after write'; end $$`);
		expect((await anon.rpc('write_then_fail')).status).toBe(400);
		const { rows } = await api.pool.query(`select count(*)::int as n from public.events where kind = 'rolled back'`);
		expect(rows[0].n).toBe(0);
	});

	test("RAISE SQLSTATE 'PGRST' controls the status, body and headers", async () => {
		const res = await fetch(`${api.url}/rest/v1/rpc/payment_required`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(res.status).toBe(402);
		expect(res.headers.get('x-powered-by')).toBe('Nerd Rage');
		expect(await res.json()).toEqual({
			code: '123',
			message: 'Payment Required',
			details: 'Quota exceeded',
			hint: 'Upgrade your plan',
		});
	});

	test('a JSON body that is not an object is 400 unless the function takes a single json parameter', async () => {
		const post = (fn: string, body: string) =>
			fetch(`${api.url}/rest/v1/rpc/${fn}`, {
				method: 'POST',
				headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
				body,
			});
		expect((await post('echo', '[1, 2]')).status).toBe(400);
		const whole = await post('unnamed', '[1, 2]');
		expect(await whole.json()).toEqual([1, 2]);
	});

	test('a schema that is not exposed is 406 PGRST106', async () => {
		// The typed options only admit 'public'; asking for an unexposed schema is the point here.
		const other = clientFor(api, api.config.anonKey, {
			db: { schema: 'auth' },
		} as unknown as SupabaseClientOptions<'public'>);
		const { error, status } = await other.rpc('uid');
		expect(status).toBe(406);
		expect(error).toEqual({
			code: 'PGRST106',
			message: 'Invalid schema: auth',
			details: null,
			hint: 'Only the following schemas are exposed: public, graphql_public',
		});
	});
});
