import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startStack, type Stack } from '../../supabase/local/stack.ts';
import { clientFor, eventually } from '../helpers/stack.ts';

// Its own cluster: these tests kill Postgres, which the shared test cluster must not see.
let stack: Stack;
let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'tripmate-faults-'));
	stack = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
	await stack.api.pool.query(`
		create table public.counter (n int not null);
		insert into public.counter values (0);
		create function public.bump(pause float8 default 0) returns int language plpgsql as $$
		declare v int;
		begin
			perform pg_sleep(pause);
			update public.counter set n = n + 1 returning n into v;
			return v;
		end $$;`);
});
afterAll(async () => {
	await stack.stop();
	await rm(dir, { recursive: true, force: true });
});

test('a request in flight when Postgres is killed fails with 503, and the API serves again once Postgres is back', async () => {
	const client = clientFor(stack.api);
	// supabase-js builders are lazy: then() sends the request now.
	const inFlight = client.rpc('bump', { pause: 5 }).then((r) => r);
	await eventually(
		async () => (await stack.api.pool.query("select 1 from pg_stat_activity where wait_event = 'PgSleep'")).rowCount,
		'the slow call to reach Postgres',
	);
	await stack.postgres!.kill();
	const failed = await inFlight;
	expect(failed.status).toBe(503);
	expect(failed.error?.code).toMatch(/^PGRST00/);

	const whileDown = await client.rpc('bump');
	expect(whileDown.status).toBe(503);

	await stack.postgres!.start();
	const { data, error } = await client.rpc('bump');
	expect(error).toBeNull();
	// The killed call never committed; only this one did.
	expect(data).toBe(1);
});

test('a request in flight when the API stops fails on the client, and the API serves again after a restart', async () => {
	const client = clientFor(stack.api);
	const inFlight = client.rpc('bump', { pause: 1 }).then((r) => r);
	await new Promise((r) => setTimeout(r, 200));
	await stack.api.stop();
	const failed = await inFlight;
	expect(failed.error).not.toBeNull();
	expect(failed.data).toBeNull();

	await stack.api.start();
	const { data, error } = await client.rpc('bump');
	expect(error).toBeNull();
	expect(typeof data).toBe('number');
});
