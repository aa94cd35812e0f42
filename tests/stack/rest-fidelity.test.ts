import { beforeAll, describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';

/**
 * PostgREST behaviour supabase-js users meet and that is easy to get subtly wrong: single unnamed
 * parameters, overload resolution, PGRST202's hint, and order= on JSON paths. Each expectation
 * is PostgREST v14's (Plan.hs findProc, Error.hs, SchemaCache.hs), which the Supabase CLI runs.
 */

const api = await startTestStack();
const anon = clientFor(api);

beforeAll(async () => {
	await api.pool.query(`
		create function public.raw_text(text) returns text language sql as $$ select 'got ' || $1 $$;
		create function public.raw_jsonb(jsonb) returns jsonb language sql as $$ select $1 $$;
		create function public.raw_bytes(bytea) returns int language sql as $$ select length($1) $$;
		create function public.raw_int(int) returns int language sql as $$ select $1 $$;

		create function public.over(a int) returns text language sql as $$ select 'one' $$;
		create function public.over(a int, b text) returns text language sql as $$ select 'two:' || b $$;

		create function public.amb(s text) returns text language sql as $$ select 'text' $$;
		create function public.amb(a int, b int default 2) returns text language sql as $$ select 'ab' $$;
		create function public.amb(a int) returns text language sql as $$ select 'a' $$;

		create function public.both(jsonb) returns text language sql as $$ select 'whole ' || $1::text $$;
		create function public.both(k int) returns text language sql as $$ select 'named ' || k $$;

		create table public.items (id int primary key, data jsonb);
		insert into public.items values
		  (1, '{"k": "b", "n": 10}'), (2, '{"k": "a", "n": 2}'), (3, '{"n": 30}'), (4, '{"k": "c", "n": 4}');
	`);
});

describe('a single unnamed parameter', () => {
	test('a JSON body goes whole to an unnamed jsonb parameter, even keyed by ""', async () => {
		expect((await anon.rpc('raw_jsonb', { '': 5 })).data).toEqual({ '': 5 });
		expect((await anon.rpc('raw_jsonb', { any: ['thing'] })).data).toEqual({ any: ['thing'] });
	});

	test('{"": value} calls an unnamed text parameter positionally with the body, as PostgREST does', async () => {
		expect((await anon.rpc('raw_text', { '': 'hi' })).data).toBe('got {"":"hi"}');
	});

	test('text/plain and octet-stream bodies reach unnamed text and bytea parameters as they are', async () => {
		const post = (fn: string, type: string, body: BodyInit) =>
			fetch(`${api.url}/rest/v1/rpc/${fn}`, {
				method: 'POST',
				headers: { apikey: api.config.anonKey, 'content-type': type },
				body,
			});
		expect(await (await post('raw_text', 'text/plain', 'plain words')).json()).toBe('got plain words');
		expect(await (await post('raw_bytes', 'application/octet-stream', new Uint8Array([0, 255, 7]))).json()).toBe(3);
		const missing = await post('over', 'text/plain', 'x');
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({
			code: 'PGRST202',
			message: 'Could not find the function public.over in the schema cache',
			details:
				'Searched for the function public.over with a single unnamed text parameter, but no matches were found in the schema cache.',
			hint: null,
		});
	});

	test('a function whose unnamed parameter is not json, jsonb, text, bytea or xml is not exposed', async () => {
		const { error, status } = await anon.rpc('raw_int', { '': 1 });
		expect(status).toBe(404);
		expect(error?.code).toBe('PGRST202');
	});
});

describe('overloads', () => {
	test('the overload whose required parameters the call gives is chosen', async () => {
		expect((await anon.rpc('over', { a: 1 })).data).toBe('one');
		expect((await anon.rpc('over', { a: 1, b: 'x' })).data).toBe('two:x');
	});

	test('a named match is preferred to the unnamed jsonb fallback, which takes any other body', async () => {
		expect((await anon.rpc('both', { k: 7 })).data).toBe('named 7');
		expect((await anon.rpc('both', { z: 1 })).data).toBe('whole {"z": 1}');
	});

	test('two overloads that can both take the call are PGRST203, listing only those, fewer parameters first', async () => {
		const { error, status } = await anon.rpc('amb', { a: 1 });
		expect(status).toBe(300);
		expect(error).toEqual({
			code: 'PGRST203',
			message:
				'Could not choose the best candidate function between: public.amb(a => integer), public.amb(a => integer, b => integer)',
			details: null,
			hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
		});
		expect((await anon.rpc('amb', { a: 1, b: 3 })).data).toBe('ab');
	});
});

describe('PGRST202', () => {
	test('the hint names the closest overload’s parameters', async () => {
		const { error } = await anon.rpc('over', { aa: 1, b: 'x' });
		expect(error).toEqual({
			code: 'PGRST202',
			message: 'Could not find the function public.over(aa, b) in the schema cache',
			details:
				'Searched for the function public.over with parameters aa, b or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
			hint: 'Perhaps you meant to call the function public.over(a, b)',
		});
	});

	test('nothing close means no hint at all, for parameters and for names', async () => {
		const params = await anon.rpc('over', { qqqqqq: 1, zzzzzz: 2, wwwwww: 3 });
		expect(params.error).toMatchObject({ code: 'PGRST202', hint: null });
		const name = await anon.rpc('xqzvwkjh', { v: 1 });
		expect(name.error).toEqual({
			code: 'PGRST202',
			message: 'Could not find the function public.xqzvwkjh(v) in the schema cache',
			details:
				'Searched for the function public.xqzvwkjh with parameter v or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
			hint: null,
		});
		const get = await anon.rpc('xqzvwkjh', { v: 1 }, { get: true });
		expect(get.error?.details).toBe(
			'Searched for the function public.xqzvwkjh with parameter v, but no matches were found in the schema cache.',
		);
	});
});

describe('order on JSON paths', () => {
	test('data->key and data->>key order ascending and descending, with nulls placed as asked', async () => {
		const ids = async (q: PromiseLike<{ data: { id: number }[] | null }>) => (await q).data?.map((r) => r.id);
		expect(await ids(anon.from('items').select('id').order('data->n', { ascending: true }))).toEqual([2, 4, 1, 3]);
		expect(
			await ids(anon.from('items').select('id').order('data->>k', { ascending: false, nullsFirst: false })),
		).toEqual([4, 1, 2, 3]);
		expect(await ids(anon.from('items').select('id').order('data->>k', { ascending: true, nullsFirst: true }))).toEqual(
			[3, 2, 1, 4],
		);
	});
});
