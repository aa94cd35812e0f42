import { afterAll, expect, test } from 'vitest';
import { runBackground } from '../../src/lib/sync/background.ts';
import type { SyncMessage } from '../../src/lib/sync/background-messages.ts';
import { lastBackgroundRun } from '../../src/lib/sync/background-log.ts';
import { startTestStack } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	eventually,
	expectConverged,
	serverHashes,
	signIn,
	startDevice,
	stopAllDevices,
	stopDevice,
	hashesOf,
	NetworkSwitch,
} from './harness.ts';

// The service worker's background runs (src/lib/sync/background*.ts) against the real stack and
// real engines: what the worker pulls into IndexedDB, a TripSync on the same databases loads or
// merges live; what it pushes from the outbox, the log holds and the engine counts as sent.
const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };
/** Opens the trip on a device that has never had it and waits for its first pull. */
async function openPulled(device: Awaited<ReturnType<typeof startDevice>>, tripId: string): Promise<void> {
	await device.sync.open(tripId);
	await eventually(
		async () => (await device.sync.syncNow(tripId), (docOf(device, tripId) as Trip).items !== undefined),
		'the first pull',
		10_000,
	);
}

const names = (doc: unknown) => Object.values((doc as Trip).items ?? {}).map((i) => i.name);

test('catch-up while the app is closed: the next start finds the pulled edits, offline, without pulling again', async () => {
	const ana = await signIn(api);
	const ben = await signIn(api);
	const net = new NetworkSwitch();
	let a = await startDevice(ana, { net, scope: 'bg-a1:' });
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void ((d.meta.name = 'Oslo'), (d.items = {})) });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	await stopDevice(a);

	const b = await startDevice(ben);
	await openPulled(b, tripId);
	for (let i = 0; i < 30; i++)
		await b.sync.change<Trip>(tripId, (d) => void (d.items[`b${i}`] = { name: `from Ben ${i}` }));
	await b.sync.whenIdle();

	const messages: SyncMessage[] = [];
	const result = await runBackground('catchup', { client: a.client, scope: 'bg-a1:', post: (m) => messages.push(m) });
	expect(result.trips).toEqual([expect.objectContaining({ tripId, pulled: 30, error: null })]);
	expect(messages.map((m) => m.type)).toEqual(['SYNC_START', 'SYNC_PROGRESS', 'SYNC_COMPLETE']);
	expect(await lastBackgroundRun()).toMatchObject({ kind: 'catchup', pulled: 30, error: null });

	net.up = false;
	a = await startDevice(ana, { net, client: a.client, scope: 'bg-a1:' });
	await a.sync.open(tripId);
	expect(names(docOf(a, tripId))).toHaveLength(30);
	// The cursor moved with the chunks: back online, nothing is pulled a second time.
	net.up = true;
	await a.sync.syncNow(tripId);
	expect(a.sync.history().reduce((n, r) => n + r.pulled, 0)).toBe(0);
	await expectConverged(api, tripId, [a, b]);
});

test('an open engine merges what the worker pulled at once (SYNC_PROGRESS chunks), and edits on top still converge', async () => {
	const ana = await signIn(api);
	const ben = await signIn(api);
	const a = await startDevice(ana, { scope: 'bg-a2:' });
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void ((d.meta.name = 'Bergen'), (d.items = {})) });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	// The window's own engine makes no cycle of its own meanwhile (as if woken only by the worker).
	a.sync.setOnline(false);

	const b = await startDevice(ben);
	await openPulled(b, tripId);
	await b.sync.change<Trip>(tripId, (d) => void (d.items.boat = { name: 'ferry tickets' }));
	await b.sync.whenIdle();

	await runBackground('catchup', {
		client: a.client,
		scope: 'bg-a2:',
		post: (m) => {
			if (m.type === 'SYNC_PROGRESS') void a.sync.mergeStored(m.trip.tripId, m.trip.chunks);
		},
	});
	await eventually(async () => names(docOf(a, tripId)).includes('ferry tickets'), 'the merged edit', 5_000);
	a.sync.setOnline(true);
	await a.sync.change<Trip>(tripId, (d) => void (d.items.rain = { name: 'rain jacket' }));
	const doc = (await expectConverged(api, tripId, [a, b])) as Trip;
	expect(names(doc).sort()).toEqual(['ferry tickets', 'rain jacket']);
});

test('push from the outbox after the tab closed: the log gets every pending edit once, the engine sees none pending', async () => {
	const ana = await signIn(api);
	const net = new NetworkSwitch();
	let a = await startDevice(ana, { net, scope: 'bg-a3:' });
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void ((d.meta.name = 'Rome'), (d.items = {})) });
	await a.sync.whenIdle();
	net.up = false;
	for (let i = 0; i < 5; i++)
		await a.sync.change<Trip>(tripId, (d) => void (d.items[`o${i}`] = { name: `offline ${i}` }));
	await eventually(async () => (await a.sync.store.pendingCount(tripId)) === 5, '5 pending', 5_000);
	const local = hashesOf(docOf(a, tripId));
	// The tab closes (an engine that still believes it is online would wait for its retries).
	a.sync.setOnline(false);
	await stopDevice(a);

	// Still no network: the run fails for the trip and throws, so the browser retries the sync later.
	await expect(runBackground('push', { client: a.client, scope: 'bg-a3:', post: () => {} })).rejects.toThrow(
		/background push failed for 1 trip/,
	);
	net.up = true;
	const messages: SyncMessage[] = [];
	const result = await runBackground('push', { client: a.client, scope: 'bg-a3:', post: (m) => messages.push(m) });
	expect(result.trips).toEqual([expect.objectContaining({ tripId, pushed: 5, error: null })]);
	expect(messages).toContainEqual({ type: 'OUTBOX_CHANGED', tripIds: [tripId] });
	const server = await serverHashes(api, tripId);
	expect(local.every((h) => server.has(h))).toBe(true);

	a = await startDevice(ana, { net, client: a.client, scope: 'bg-a3:' });
	await a.sync.open(tripId);
	await a.sync.whenIdle();
	expect(a.sync.state.get().pending).toBe(0);
	expect(a.sync.history().reduce((n, r) => n + r.pushed, 0)).toBe(0);
});
