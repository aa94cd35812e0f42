/**
 * Reopening a trip stored as a single snapshot (how the Repo leaves a document after compacting
 * it): TripSync loads that snapshot itself instead of through the Repo. The trip must come back
 * whole, take new edits that reach the log, and be stored so that the next start has them all.
 */
import * as A from '@automerge/automerge';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { afterAll, expect, test } from 'vitest';
import { docsDatabaseName } from '../../src/lib/sync/adopt.ts';
import { tripIdToDocumentId, type TripId } from '../../src/lib/trip/ids.ts';
import { startTestStack } from '../helpers/stack.ts';
import { docOf, hashesOf, serverHashes, signIn, startDevice, stopAllDevices, stopDevice } from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

/** Replaces whatever chunks the Repo stored for the trip by one snapshot of the same document. */
async function compact(userId: string, scope: string, tripId: string): Promise<void> {
	const storage = new IndexedDBStorageAdapter(docsDatabaseName(userId, scope));
	const documentId = tripIdToDocumentId(tripId as TripId);
	let doc = A.init<unknown>();
	for (const chunk of await storage.loadRange([documentId])) if (chunk.data) doc = A.loadIncremental(doc, chunk.data);
	await storage.removeRange([documentId]);
	await storage.save([documentId, 'snapshot', 'compacted-by-test'], A.save(doc));
	expect(await storage.loadRange([documentId])).toHaveLength(1);
}

test('a trip stored as one snapshot reopens whole, keeps syncing, and the next start has every edit', async () => {
	const ana = await signIn(api);
	const scope = 'reopen-snapshot:';
	const first = await startDevice(ana, { scope });
	const tripId = await first.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Snapshot') });
	for (let i = 0; i < 5; i++) await first.sync.change<Trip>(tripId, (d) => void (d.items[`i${i}`] = { name: `${i}` }));
	await first.sync.whenIdle();
	const before = hashesOf(docOf(first, tripId)).sort();
	await stopDevice(first);
	await compact(ana.id, scope, tripId);

	const second = await startDevice(ana, { scope });
	await second.sync.open(tripId);
	expect(hashesOf(docOf(second, tripId)).sort()).toEqual(before);
	await second.sync.change<Trip>(tripId, (d) => void (d.items.after = { name: 'after reopening' }));
	await second.sync.whenIdle();
	const server = await serverHashes(api, tripId);
	const all = hashesOf(docOf(second, tripId));
	expect(all.every((h) => server.has(h))).toBe(true);
	await stopDevice(second);

	// Whatever the Repo stored for the reopened document (its snapshot again, then the edit), the
	// next start (through either load path) has all of it.
	const third = await startDevice(ana, { scope });
	third.sync.setOnline(false);
	await third.sync.open(tripId);
	expect(hashesOf(docOf(third, tripId)).sort()).toEqual([...all].sort());
	expect(Object.keys((docOf(third, tripId) as unknown as Trip).items).sort()).toEqual([
		'after',
		'i0',
		'i1',
		'i2',
		'i3',
		'i4',
	]);
});
