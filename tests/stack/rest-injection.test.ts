import { beforeAll, describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';

/**
 * Every part of a `/rest/v1` request that names something (select, order, filter keys, JSON
 * paths, casts, aliases, profiles, RPC arguments) attacked through HTTP: each attack is either a
 * parse error (PGRST100, as PostgREST gives) or plain data, never SQL, and the pool keeps serving.
 */

const api = await startTestStack();
const anon = clientFor(api);

beforeAll(async () => {
	await api.pool.query(`
		create table public.docs (id int primary key, title text, data jsonb, meta json);
		insert into public.docs values
		  (1, 'one', '{"k": "b", "n": 2, "tags": ["x", "y"]}', '{"k": "b"}'),
		  (2, 'two', '{"k": "a", "n": 1, "tags": ["z"]}', '{"k": "a"}'),
		  (3, 'three', '{"n": 3}', '{}');
		create function public.title_of(doc_id int) returns text language sql stable as $$
		  select title from public.docs where id = doc_id $$;
	`);
});

const rest = (path: string, init: RequestInit = {}) =>
	fetch(`${api.url}/rest/v1/${path}`, {
		...init,
		headers: { apikey: api.config.anonKey, ...(init.headers as Record<string, string>) },
	});

/** The request is refused before it reaches SQL: 400 PGRST100. */
async function expectParseError(path: string, messageStart: string) {
	const res = await rest(path);
	const body = await res.json();
	expect({ status: res.status, code: body.code }).toEqual({ status: 400, code: 'PGRST100' });
	expect(body.message).toContain(messageStart);
	return body;
}

describe('select= cannot carry SQL', () => {
	test('a cast followed by a FROM clause and a comment is a parse error', async () => {
		const body = await expectParseError(
			`docs?select=${encodeURIComponent('id::text from pg_authid--')}`,
			'"failed to parse select parameter (id::text from pg_authid--)"',
		);
		expect(body.message).toMatch(/\(line 1, column \d+\)$/);
	});

	test('a catalog read through a cast with spaces is a parse error, not data', async () => {
		await expectParseError(
			`docs?select=${encodeURIComponent('id::text as rolname from pg_catalog.pg_authid where true or id::text')}`,
			'failed to parse select parameter',
		);
	});

	test('an expensive cross join is refused at once, and the pool keeps serving', async () => {
		const started = Date.now();
		const attacks = Array.from({ length: 20 }, () =>
			rest(`docs?select=${encodeURIComponent('id::int from pg_class a cross join pg_class b cross join pg_class c')}`),
		);
		const statuses = await Promise.all(attacks.map(async (r) => (await r).status));
		expect(statuses.every((s) => s === 400)).toBe(true);
		// A parse error costs no database time; the cross join would take minutes.
		expect(Date.now() - started).toBeLessThan(10_000);
		const { data, error } = await anon.from('docs').select('id').order('id');
		expect(error).toBeNull();
		expect(data).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
	});

	test('supabase-js strips the spaces, and the glued word is an unknown type, not SQL', async () => {
		const { data, error, status } = await anon.from('docs').select('id::text from pg_authid');
		expect(data).toBeNull();
		expect(status).toBe(400);
		expect(error?.code).toBe('42704');
		expect(error?.message).toBe('type "textfrompg_authid" does not exist');
	});

	test('subqueries, parentheses and statement separators are parse errors', async () => {
		for (const select of ['id,(select rolpassword from pg_authid)', 'id;select 1', "id::text'", 'id::', '"id']) {
			const res = await rest(`docs?select=${encodeURIComponent(select)}`);
			expect({ select, status: res.status, code: (await res.json()).code }).toMatchObject({ status: 400 });
		}
	});

	test('a quoted alias and a quoted column stay names, whatever they contain', async () => {
		const alias = 'x"; drop table public.docs; --';
		const res = await rest(`docs?select=${encodeURIComponent(`"${alias.replaceAll('"', '\\"')}":title`)}&id=eq.1`);
		expect(await res.json()).toEqual([{ [alias]: 'one' }]);
		const { rows } = await api.pool.query(`select count(*)::int as n from public.docs`);
		expect(rows[0].n).toBe(3);
		const column = await rest(`docs?select=${encodeURIComponent('"title from pg_authid"')}`);
		expect((await column.json()).code).toBe('42703');
	});

	test('a JSON key is a bind value: quotes inside it select nothing and run nothing', async () => {
		const key = "k'); select pg_sleep(5); --";
		const res = await rest(`docs?select=${encodeURIComponent(`v:data->>"${key}"`)}&id=eq.1`);
		expect(await res.json()).toEqual([{ v: null }]);
	});

	test('the casts PostgREST users write still work', async () => {
		const res = await rest(
			`docs?select=${encodeURIComponent('id::text,n:data->n::int,ratio:id::double precision,t:title::varchar')}&id=eq.2`,
		);
		expect(await res.json()).toEqual([{ id: '2', n: 1, ratio: 2, t: 'two' }]);
	});
});

describe('order=, filters and headers cannot carry SQL', () => {
	test('order with anything but a field, a direction and a nulls order is a parse error', async () => {
		await expectParseError(`docs?order=${encodeURIComponent('id;drop table public.docs')}`, 'failed to parse order');
		await expectParseError(`docs?order=${encodeURIComponent('id.desc,(select 1)')}`, 'failed to parse order');
		await expectParseError(`docs?order=id.sideways`, 'failed to parse order');
	});

	test('a filter key that is not a field is a parse error; a hostile value is only data', async () => {
		await expectParseError(`docs?${encodeURIComponent('id) or (1=1')}=eq.1`, 'failed to parse tree path');
		const { data } = await anon.from('docs').select('id').eq('title', "one' or '1'='1");
		expect(data).toEqual([]);
		const { data: listed } = await anon.from('docs').select('id').in('title', ['one"} or true', 'two']);
		expect(listed).toEqual([{ id: 2 }]);
	});

	test('a profile header naming another schema is 406 PGRST106', async () => {
		const res = await rest('docs?select=id', { headers: { 'accept-profile': 'public"; select 1; --' } });
		expect(res.status).toBe(406);
		expect((await res.json()).code).toBe('PGRST106');
	});

	test('Prefer and Range headers with junk change nothing', async () => {
		const res = await rest('docs?select=id&order=id', {
			headers: { prefer: "count=exact'; select 1; --, return=representation)", range: '0-1; drop table public.docs' },
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
	});

	test('RPC argument values are bind values and unknown argument names are PGRST202', async () => {
		const { data } = await anon.rpc('title_of', { doc_id: 1 });
		expect(data).toBe('one');
		const hostile = await rest(`rpc/title_of?doc_id=${encodeURIComponent('1); select pg_sleep(5); --')}`);
		expect({ status: hostile.status, code: (await hostile.json()).code }).toEqual({ status: 400, code: '22P02' });
		const named = await rest('rpc/title_of', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ 'doc_id := 1); select 1; --': 1 }),
		});
		expect({ status: named.status, code: (await named.json()).code }).toEqual({ status: 404, code: 'PGRST202' });
	});
});

describe('JSON paths', () => {
	test('select, filter and order reach into json and jsonb columns as PostgREST does', async () => {
		const { data } = await anon.from('docs').select('id,data->>k,first:data->tags->0').eq('data->>k', 'b');
		expect(data).toEqual([{ id: 1, k: 'b', first: 'x' }]);
		const { data: meta } = await anon.from('docs').select('id,meta->>k').not('meta->>k', 'is', null).order('id');
		expect(meta).toEqual([
			{ id: 1, k: 'b' },
			{ id: 2, k: 'a' },
		]);
	});
});
