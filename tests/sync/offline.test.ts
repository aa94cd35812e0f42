import * as A from '@automerge/automerge';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { afterAll, expect, test } from 'vitest';
import { docsDatabaseName } from '../../src/lib/sync/index.ts';
import { tripIdToDocumentId, type TripId } from '../../src/lib/trip/ids.ts';
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
} from './harness.ts';
import { seededRandom, shuffle } from './random.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }>; notes?: string };
const init = (name: string) => (d: Trip) => {
	d.meta.name = name;
};

test('offline edits on four clients reconnecting in random order all reach everyone and the log', async () => {
	const random = seededRandom(7);
	const people = await Promise.all(Array.from({ length: 4 }, () => signIn(api)));
	const devs = [await startDevice(people[0]!)];
	const tripId = await devs[0]!.sync.createTrip<Trip>({ init: init('Crete') });
	await devs[0]!.sync.whenIdle();
	for (const p of people.slice(1)) {
		await addMember(api, tripId, p, 'editor');
		const d = await startDevice(p);
		await d.sync.open(tripId);
		await d.sync.whenIdle();
		devs.push(d);
	}
	for (const d of devs) d.sync.setOnline(false);
	for (const [i, d] of devs.entries()) {
		for (let k = 0; k < 5; k++)
			await d.sync.change<Trip>(tripId, (doc) => {
				doc.items[`${i}.${k}`] = { name: `offline ${i}/${k}` };
			});
	}
	expect((await serverHashes(api, tripId)).size).toBe(2); // the genesis and the first edit
	for (const d of shuffle(devs, random)) {
		d.sync.setOnline(true);
		await d.sync.whenIdle();
	}
	const doc = (await expectConverged(api, tripId, devs)) as unknown as Trip;
	expect(Object.keys(doc.items)).toHaveLength(20);
});

test('a restart between edits, offline: the edits made before and after both reach the log', async () => {
	const ana = await signIn(api);
	const first = await startDevice(ana, { scope: 'phone:' });
	const tripId = await first.sync.createTrip<Trip>({ init: init('Porto') });
	await first.sync.whenIdle();
	first.sync.setOnline(false);
	await first.sync.change<Trip>(tripId, (d) => {
		d.items.before = { name: 'before restart' };
	});
	await stopDevice(first);

	// Same device (same IndexedDB), new process state: a new Repo, a new actor.
	const second = await startDevice(ana, { scope: 'phone:' });
	second.sync.setOnline(false);
	await second.sync.open(tripId);
	expect((docOf(second, tripId) as unknown as Trip).items.before).toBeDefined();
	await second.sync.change<Trip>(tripId, (d) => {
		d.items.after = { name: 'after restart' };
	});
	expect(await second.sync.store.pendingCount(tripId)).toBe(2);
	second.sync.setOnline(true);
	await second.sync.whenIdle();
	const server = await serverHashes(api, tripId);
	expect(hashesOf(docOf(second, tripId)).every((h) => server.has(h))).toBe(true);
	expect(await second.sync.store.pendingCount(tripId)).toBe(0);

	const ben = await signIn(api);
	await addMember(api, tripId, ben, 'viewer');
	const other = await startDevice(ben);
	await other.sync.open(tripId);
	const doc = (await expectConverged(api, tripId, [second, other])) as unknown as Trip;
	expect(Object.keys(doc.items).sort()).toEqual(['after', 'before']);
});

test('an outbox lost from the store is rebuilt from the document on start', async () => {
	const ana = await signIn(api);
	const first = await startDevice(ana, { scope: 'tablet:' });
	const tripId = await first.sync.createTrip<Trip>({ init: init('Bergen') });
	await first.sync.whenIdle();
	first.sync.setOnline(false);
	await first.sync.change<Trip>(tripId, (d) => {
		d.items.kept = { name: 'kept' };
	});
	await first.sync.whenIdle();
	// As if the process died after the Repo stored the edit but before the outbox row was written.
	const entries = await first.sync.store.outbox(tripId);
	expect(entries).toHaveLength(1);
	await deleteOutboxRows(first.scope, ana.id);
	expect(await first.sync.store.pendingCount(tripId)).toBe(0);
	await stopDevice(first);

	const second = await startDevice(ana, { scope: 'tablet:' });
	await second.sync.open(tripId);
	await second.sync.whenIdle();
	expect((await serverHashes(api, tripId)).has(entries[0]!.hash)).toBe(true);
});

async function deleteOutboxRows(scope: string, userId: string) {
	const { syncDatabaseName } = await import('../../src/lib/sync/index.ts');
	const db = await new Promise<IDBDatabase>((resolve, reject) => {
		const r = indexedDB.open(syncDatabaseName(userId, scope));
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

test('a shutdown while the network fails does not wait for the retries; the next start pushes the edit', async () => {
	const ana = await signIn(api);
	const first = await startDevice(ana, { scope: 'laptop:' });
	const tripId = await first.sync.createTrip<Trip>({ init: init('Tromsø') });
	await first.sync.whenIdle();
	first.net.up = false; // the engine believes it is online: every call fails, retries back off
	await first.sync.change<Trip>(tripId, (d) => {
		d.items.waiting = { name: 'waiting' };
	});
	await eventually(() => first.sync.history().some((r) => r.outcome === 'error'), 'a failed push');
	const [entry] = await first.sync.store.outbox(tripId);
	await stopDevice(first); // hangs (until the test times out) if shutdown waits out the retries

	const second = await startDevice(ana, { scope: 'laptop:' });
	await second.sync.open(tripId);
	await second.sync.whenIdle();
	expect((await serverHashes(api, tripId)).has(entry!.hash)).toBe(true);
	expect(await second.sync.store.pendingCount(tripId)).toBe(0);
	await expectConverged(api, tripId, [second]);
});

test('an edit in the outbox that the stored document lacks (reload before the Repo saved) comes back into the trip', async () => {
	const ana = await signIn(api);
	const scope = 'reload-early:';
	const first = await startDevice(ana, { scope });
	const tripId = await first.sync.createTrip<Trip>({ init: init('Alps') });
	await first.sync.whenIdle();
	first.sync.setOnline(false);
	await first.sync.change<Trip>(tripId, (d) => {
		d.items.typed = { name: 'typed just before the reload' };
	});
	await first.sync.whenIdle();
	const [entry] = await first.sync.store.outbox(tripId);
	expect(entry).toBeDefined();
	await stopDevice(first);
	// As if the page went away after the outbox row was written, before the Repo's save.
	await storeDocWithout(ana.id, scope, tripId, entry!.hash);

	const second = await startDevice(ana, { scope });
	second.sync.setOnline(false);
	await second.sync.open(tripId);
	expect((docOf(second, tripId) as unknown as Trip).items.typed?.name).toBe('typed just before the reload');
	second.sync.setOnline(true);
	await second.sync.whenIdle();
	expect((await serverHashes(api, tripId)).has(entry!.hash)).toBe(true);
	expect(await second.sync.store.pendingCount(tripId)).toBe(0);
});

/** Replaces the Repo's stored chunks of the trip by one snapshot of it without change `hash`. */
async function storeDocWithout(userId: string, scope: string, tripId: string, hash: string) {
	const storage = new IndexedDBStorageAdapter(docsDatabaseName(userId, scope));
	const documentId = tripIdToDocumentId(tripId as TripId);
	let doc = A.init<unknown>();
	for (const chunk of await storage.loadRange([documentId])) if (chunk.data) doc = A.loadIncremental(doc, chunk.data);
	const kept = A.getAllChanges(doc).filter((c) => A.decodeChange(c).hash !== hash);
	const [without] = A.applyChanges(A.init<unknown>(), kept);
	expect(A.getHeads(without)).not.toEqual(A.getHeads(doc));
	await storage.removeRange([documentId]);
	await storage.save([documentId, 'snapshot', 'without-last-edit'], A.save(without));
}
