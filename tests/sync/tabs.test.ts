import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { docOf, eventually, expectConverged, NetworkSwitch, signIn, startDevice, stopAllDevices } from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string; qty?: number }> };

test('one user in two tabs: an edit that depends on the other tab’s unpushed edit is pushed after it, once', async () => {
	const ana = await signIn(api);
	const net1 = new NetworkSwitch();
	const tab1 = await startDevice(ana, { scope: 'laptop:', net: net1 });
	const tripId = await tab1.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Rome';
		},
	});
	await tab1.sync.whenIdle();
	const tab2 = await startDevice(ana, { scope: 'laptop:' });
	await tab2.sync.open(tripId);

	// Tab 1 loses its network, then edits; the edit reaches tab 2 over BroadcastChannel only.
	net1.up = false;
	await tab1.sync.change<Trip>(tripId, (d) => {
		d.items.x = { name: 'tent' };
	});
	await eventually(() => (docOf(tab2, tripId) as unknown as Trip).items?.x, 'tab 1’s edit in tab 2');
	const xHash = A.getHeads(docOf(tab2, tripId))[0]!;
	// Tab 2 edits on top of it: its change depends on tab 1's, which the server has not seen.
	await tab2.sync.change<Trip>(tripId, (d) => {
		d.items.x!.qty = 2;
	});
	const yHash = A.getHeads(docOf(tab2, tripId))[0]!;
	await tab2.sync.whenIdle();

	const { rows } = await api.pool.query<{ h: string; seq: string }>(
		`select encode(hash, 'hex') as h, seq from public.trip_changes where trip_id = $1 order by seq`,
		[tripId],
	);
	const order = rows.map((r) => r.h);
	expect(order).toContain(xHash);
	expect(order).toContain(yHash);
	expect(order.indexOf(xHash)).toBeLessThan(order.indexOf(yHash));

	net1.up = true;
	await expectConverged(api, tripId, [tab1, tab2]);
	expect(rows.length).toBe(new Set(order).size);
});

test('three tabs of one user make one server write per edit batch', async () => {
	const ben = await signIn(api);
	const tabs = [await startDevice(ben, { scope: 'desk:' })];
	const tripId = await tabs[0]!.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Oslo';
		},
	});
	await tabs[0]!.sync.whenIdle();
	tabs.push(await startDevice(ben, { scope: 'desk:' }), await startDevice(ben, { scope: 'desk:' }));
	await Promise.all(tabs.slice(1).map((t) => t.sync.open(tripId)));
	await Promise.all(tabs.map((t) => t.sync.whenIdle()));
	const before = tabs.map((t) => t.sync.history().reduce((n, r) => n + r.pushCalls, 0));

	await tabs[0]!.sync.change<Trip>(tripId, (d) => {
		d.items.a = { name: 'map' };
	});
	await eventually(() => tabs.every((t) => (docOf(t, tripId) as unknown as Trip).items?.a), 'the edit in every tab');
	await Promise.all(tabs.map((t) => t.sync.whenIdle()));
	await new Promise((r) => setTimeout(r, 300));
	await Promise.all(tabs.map((t) => t.sync.whenIdle()));
	const calls = tabs.map((t, i) => t.sync.history().reduce((n, r) => n + r.pushCalls, 0) - before[i]!);
	expect(calls.reduce((a, b) => a + b, 0)).toBe(1);
	await expectConverged(api, tripId, tabs);
});
