import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	eventually,
	expectConverged,
	hashesOf,
	NetworkSwitch,
	serverHashes,
	signIn,
	startDevice,
	stopAllDevices,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };
const init = (name: string) => (d: Trip) => {
	d.meta.name = name;
};

async function pair(name: string) {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const netA = new NetworkSwitch();
	const a = await startDevice(ana, { net: netA });
	const tripId = await a.sync.createTrip<Trip>({ init: init(name) });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	return { a, b, tripId, netA };
}

async function rowCounts(tripId: string) {
	const { rows } = await api.pool.query(
		'select count(*)::int as n, count(distinct hash)::int as d from public.trip_changes where trip_id = $1',
		[tripId],
	);
	return rows[0] as { n: number; d: number };
}

test('the API stopped mid-push: the push is retried with backoff and nothing is lost or doubled', async () => {
	const { a, b, tripId, netA } = await pair('Seville');
	a.sync.setOnline(false);
	for (let i = 0; i < 40; i++)
		await a.sync.change<Trip>(tripId, (d) => {
			d.items[`i${i}`] = { name: `item ${i}` };
		});
	let stopped: Promise<void> | undefined;
	netA.during = { url: /push_changes/, run: () => (stopped = api.stop()) };
	a.sync.setOnline(true);
	await eventually(() => stopped !== undefined, 'the API to be stopped under the push');
	await stopped;
	await new Promise((r) => setTimeout(r, 400));
	const failed = a.sync.history().filter((r) => r.outcome === 'error');
	expect(failed.length).toBeGreaterThan(0);
	// Whether or not the server committed before it went down, the edits wait in the outbox until acknowledged.
	expect(a.sync.state.get().trips[tripId]!.status.kind).toBe('error');
	await api.start();
	// No trigger but the backoff timer: the retries alone get the edits through.
	await eventually(async () => (await a.sync.store.pendingCount(tripId)) === 0, 'the retried push', 15_000);
	const doc = (await expectConverged(api, tripId, [a, b], 20_000)) as unknown as Trip;
	expect(Object.keys(doc.items)).toHaveLength(40);
	const counts = await rowCounts(tripId);
	expect(counts.n).toBe(counts.d);
	expect(counts.n).toBe(hashesOf(docOf(a, tripId)).length);
});

test('a response lost after the server committed: the retry stores nothing twice and the outbox empties', async () => {
	const { a, b, tripId, netA } = await pair('Ghent');
	netA.loseResponseOf = /push_changes/;
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.lost = { name: 'answer lost' };
	});
	await eventually(() => netA.loseResponseOf === null, 'the push whose answer is lost');
	await eventually(async () => (await a.sync.store.pendingCount(tripId)) === 0, 'the outbox to empty');
	await expectConverged(api, tripId, [a, b]);
	const counts = await rowCounts(tripId);
	expect(counts.n).toBe(counts.d);
	expect(counts.n).toBe(hashesOf(docOf(a, tripId)).length);
	expect(a.sync.history().some((r) => r.outcome === 'error')).toBe(true);
});

test('a dropped websocket: once Realtime reconnects, the missed edits arrive without "sync now"', async () => {
	const { a, b, tripId } = await pair('Tallinn');
	// The socket dies (as on a network change); realtime-js reconnects and rejoins by itself.
	(b.client.realtime as unknown as { conn: { close(): void } | null }).conn?.close();
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.missed = { name: 'sent while the socket was down' };
	});
	await a.sync.whenIdle();
	expect((await serverHashes(api, tripId)).size).toBe(hashesOf(docOf(a, tripId)).length);
	await eventually(
		() => (docOf(b, tripId) as unknown as Trip).items?.missed,
		'the missed edit after the socket reconnects',
		15_000,
	);
	await expectConverged(api, tripId, [a, b]);
});
