import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startStack } from '../../supabase/local/stack.ts';
import type { TestApi } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	eventually,
	expectConverged,
	hashesOf,
	NetworkSwitch,
	signIn,
	startDevice,
	stopAllDevices,
} from './harness.ts';

// Its own cluster (as tests/stack/faults.test.ts): this file kills Postgres, which the shared
// test cluster must not see.
const dir = await mkdtemp(join(tmpdir(), 'tripmate-sync-pg-'));
const stack = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
const api = stack.api as TestApi;
afterAll(async () => {
	await stopAllDevices();
	await stack.stop();
	await rm(dir, { recursive: true, force: true });
});

type Trip = { meta: { name: string }; items: Record<string, { name: string; by: string }> };

test('Postgres killed under a push while both clients edit: after its restart they converge and no edit is lost or doubled', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const netA = new NetworkSwitch();
	const a = await startDevice(ana, { net: netA });
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Porto') });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();

	const edit = (device: typeof a, who: string, i: number) =>
		device.sync.change<Trip>(tripId, (d) => {
			d.items[`${who}${i}`] = { name: `item ${i}`, by: who };
		});
	// A batch waits offline, so the kill lands under a real push of it.
	a.sync.setOnline(false);
	for (let i = 0; i < 30; i++) await edit(a, 'a', i);
	let killed: Promise<void> | undefined;
	netA.during = { url: /push_changes/, run: () => (killed = stack.postgres!.kill()) };
	a.sync.setOnline(true);
	await eventually(() => killed !== undefined, 'Postgres to be killed under the push');
	await killed;
	// Both go on editing while the database is down; every cycle fails and backs off.
	for (let i = 30; i < 45; i++) {
		await edit(a, 'a', i);
		await edit(b, 'b', i);
		await new Promise((r) => setTimeout(r, 20));
	}
	await eventually(
		() => a.sync.history().some((r) => r.outcome === 'error') && b.sync.history().some((r) => r.outcome === 'error'),
		'both clients to see a failed cycle',
	);
	expect(await a.sync.store.pendingCount(tripId)).toBeGreaterThan(0);
	expect(await b.sync.store.pendingCount(tripId)).toBeGreaterThan(0);

	await stack.postgres!.start();
	for (let i = 45; i < 50; i++) {
		await edit(a, 'a', i);
		await edit(b, 'b', i);
	}
	const doc = (await expectConverged(api, tripId, [a, b], 30_000)) as unknown as Trip;
	const expected = [
		...Array.from({ length: 50 }, (_, i) => `a${i}`),
		...Array.from({ length: 20 }, (_, i) => `b${i + 30}`),
	].sort();
	expect(Object.keys(doc.items).sort()).toEqual(expected);
	const { rows } = await api.pool.query<{ n: number; d: number }>(
		'select count(*)::int as n, count(distinct hash)::int as d from public.trip_changes where trip_id = $1',
		[tripId],
	);
	expect(rows[0]!.n).toBe(rows[0]!.d);
	expect(rows[0]!.n).toBe(hashesOf(docOf(a, tripId)).length);
	expect(await a.sync.store.pendingCount(tripId)).toBe(0);
	expect(await b.sync.store.pendingCount(tripId)).toBe(0);
}, 90_000);
