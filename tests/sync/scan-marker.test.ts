/**
 * The scan marker (TripMeta.scanned) lets a restart scan only the document's new changes for own
 * ones. Whatever state it is found in — older than the document, naming heads the document lacks,
 * blind to an own actor, or next to an outbox that lost rows — no own edit may be left unpushed.
 * Each scenario makes an offline edit whose outbox row is gone (as after a crash between the
 * Repo's write and the outbox's), puts the marker in that state, restarts and checks the log.
 */
import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
import type { ScanMarker } from '../../src/lib/sync/index.ts';
import { startTestStack } from '../helpers/stack.ts';
import { docOf, serverHashes, signIn, startDevice, stopAllDevices, stopDevice, type Device } from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

/** A trip synced once, then an offline edit stored in the document but missing from the outbox. */
async function editWithLostOutboxRow(scope: string) {
	const ana = await signIn(api);
	const first = await startDevice(ana, { scope });
	const tripId = await first.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Marker') });
	await first.sync.whenIdle();
	first.sync.setOnline(false);
	await first.sync.change<Trip>(tripId, (d) => void (d.items.lost = { name: 'lost row' }));
	await first.sync.whenIdle();
	const [entry] = await first.sync.store.outbox(tripId);
	expect(entry).toBeDefined();
	await deleteOutboxRows(first);
	const marker = (await first.sync.store.trip(tripId)).scanned;
	const heads = A.getHeads(docOf(first, tripId));
	await stopDevice(first);
	return { ana, tripId, hash: entry!.hash, entry: entry!, marker, heads, scope };
}

async function restartAndSync(s: Awaited<ReturnType<typeof editWithLostOutboxRow>>): Promise<Device> {
	const again = await startDevice(s.ana, { scope: s.scope });
	await again.sync.open(s.tripId);
	await again.sync.whenIdle();
	expect((await serverHashes(api, s.tripId)).has(s.hash)).toBe(true);
	expect(await again.sync.store.pendingCount(s.tripId)).toBe(0);
	return again;
}

test('a marker older than the document: the restart scans what came after it', async () => {
	const s = await editWithLostOutboxRow('marker-old:');
	// The marker of the first start is older than the edit.
	expect(s.marker).not.toBeNull();
	expect(s.marker!.heads).not.toEqual(s.heads);
	const again = await restartAndSync(s);
	// The restart's scan moved the marker to where it got.
	expect((await again.sync.store.trip(s.tripId)).scanned?.heads).toEqual(A.getHeads(docOf(again, s.tripId)));
});

test('a marker naming heads the document does not have (a lost document write) is ignored', async () => {
	const s = await editWithLostOutboxRow('marker-ahead:');
	await withStore(s, (store) =>
		store.updateTrip(s.tripId, { scanned: { heads: ['ab'.repeat(32)], actors: [], at: Date.now(), pending: [] } }),
	);
	await restartAndSync(s);
});

test('a marker at the document’s heads but blind to an own actor recorded before it is ignored', async () => {
	const s = await editWithLostOutboxRow('marker-actor:');
	await withStore(s, (store) =>
		store.updateTrip(s.tripId, { scanned: { heads: s.heads, actors: [], at: Date.now(), pending: [] } }),
	);
	await restartAndSync(s);
});

test('a marker at the document’s heads whose pending entries the outbox lost is ignored', async () => {
	const s = await editWithLostOutboxRow('marker-pending:');
	await withStore(s, async (store) => {
		const actors = [...(await store.actors())];
		const lost = { hash: s.entry.hash, actor: s.entry.actor, seq: s.entry.seq };
		const marker: ScanMarker = { heads: s.heads, actors, at: Date.now(), pending: [lost] };
		await store.updateTrip(s.tripId, { scanned: marker });
	});
	await restartAndSync(s);
});

test('a missing marker scans the whole document', async () => {
	const s = await editWithLostOutboxRow('marker-none:');
	await withStore(s, (store) => store.updateTrip(s.tripId, { scanned: null }));
	await restartAndSync(s);
});

/** The device's store, opened without a TripSync (as another process would). */
async function withStore<T>(
	s: { ana: { id: string }; scope: string },
	fn: (store: import('../../src/lib/sync/index.ts').SyncStore) => Promise<T>,
): Promise<T> {
	const { openIndexedDbSyncStore } = await import('../../src/lib/sync/index.ts');
	const store = await openIndexedDbSyncStore(s.ana.id, { scope: s.scope });
	try {
		return await fn(store);
	} finally {
		store.close();
	}
}

async function deleteOutboxRows(device: Device) {
	const { syncDatabaseName } = await import('../../src/lib/sync/index.ts');
	const db = await new Promise<IDBDatabase>((resolve, reject) => {
		const r = indexedDB.open(syncDatabaseName(device.person.id, device.scope));
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	await new Promise<void>((resolve, reject) => {
		const tx = db.transaction('outbox', 'readwrite');
		tx.objectStore('outbox').clear();
		tx.oncomplete = () => resolve();
		tx.onerror = () => reject(tx.error);
	});
	db.close();
}
