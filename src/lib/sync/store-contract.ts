// The SyncStore contract, shared by every implementation's tests (IndexedDB today; an in-memory or
// worker-side store would run the same suite).
import { describe, expect, test } from 'vitest';
import type { OutboxEntry, SyncStore } from './store';

const entry = (actor: string | null, seq: number, hash = `${actor ?? 'g'}-${seq}`): OutboxEntry => ({
	hash,
	actor,
	seq,
	deps: [],
	bytes: new Uint8Array([seq]),
});

export function syncStoreContract(name: string, open: (userId: string) => Promise<SyncStore>): void {
	describe(`SyncStore contract: ${name}`, () => {
		test('a trip starts at cursor 0 with an empty outbox', async () => {
			const s = await open('u1');
			expect(await s.trip('t')).toMatchObject({ cursor: 0, cursorHash: null, acked: {}, revoked: null });
			expect(await s.outbox('t')).toEqual([]);
			expect(await s.pendingCount('t')).toBe(0);
			s.close();
		});

		test('the outbox keeps bytes per trip, skips duplicates and anything already acknowledged', async () => {
			const s = await open('u2');
			expect(await s.addToOutbox('t', [entry('a', 1), entry('a', 2), entry('b', 1)])).toBe(3);
			expect(await s.addToOutbox('t', [entry('a', 2)])).toBe(0);
			expect(await s.addToOutbox('other', [entry('a', 9)])).toBe(1);
			expect((await s.outbox('t')).map((e) => e.hash)).toEqual(['a-1', 'a-2', 'b-1']);
			expect((await s.outbox('t'))[1]!.bytes).toEqual(new Uint8Array([2]));
			await s.acknowledge('t', [{ actor: 'a', seq: 2, hash: 'a-2' }], 10);
			expect((await s.outbox('t')).map((e) => e.hash)).toEqual(['a-1', 'b-1']);
			expect((await s.trip('t')).acked).toEqual({ a: 2 });
			// Acknowledging seq 2 of an actor covers its seq 1 too (the log is causal).
			expect(await s.addToOutbox('t', [entry('a', 1, 'again'), entry('a', 3)])).toBe(1);
			s.close();
		});

		test('recordPull advances the cursor (never backwards), acknowledges own changes, quarantines', async () => {
			const s = await open('u3');
			await s.addToOutbox('t', [entry('a', 1)]);
			await s.recordPull('t', {
				cursor: 5,
				cursorHash: 'h5',
				ownAcks: [{ actor: 'a', seq: 1, hash: 'a-1' }],
				quarantined: [{ hash: 'bad', seq: 3, source: 'server', reason: 'junk', bytes: null, at: 1 }],
				bytes: 100,
			});
			expect(await s.trip('t')).toMatchObject({
				cursor: 5,
				cursorHash: 'h5',
				acked: { a: 1 },
				bytesSinceSnapshot: 100,
			});
			expect(await s.pendingCount('t')).toBe(0);
			expect((await s.quarantined('t')).map((q) => q.hash)).toEqual(['bad']);
			await s.recordPull('t', { cursor: 2, cursorHash: 'h2', ownAcks: [], quarantined: [], bytes: 0 });
			expect((await s.trip('t')).cursor).toBe(5);
			s.close();
		});

		test("keeps each change's author as the server gave it, and our acknowledged pushes as ours", async () => {
			const s = await open('u-authors');
			await s.recordPull('t', {
				cursor: 2,
				cursorHash: 'h2',
				ownAcks: [],
				quarantined: [],
				bytes: 0,
				authors: [
					{ hash: 'h1', authorId: 'bob' },
					{ hash: 'h2', authorId: 'carol' },
				],
			});
			await s.addToOutbox('t', [entry('a', 1)]);
			await s.acknowledge('t', [{ actor: 'a', seq: 1, hash: 'a-1' }], 1);
			await s.recordPull('other', {
				cursor: 1,
				cursorHash: 'x',
				ownAcks: [],
				quarantined: [],
				bytes: 0,
				authors: [{ hash: 'x', authorId: 'dan' }],
			});
			expect(Object.fromEntries(await s.authors('t'))).toEqual({ h1: 'bob', h2: 'carol', 'a-1': s.userId });
			s.close();
		});

		test('a quarantined local change leaves the outbox and is never re-added', async () => {
			const s = await open('u4');
			await s.addToOutbox('t', [entry('a', 1)]);
			await s.quarantineLocal('t', [
				{ hash: 'a-1', seq: null, source: 'local', reason: 'refused', bytes: null, at: 1 },
			]);
			expect(await s.outbox('t')).toEqual([]);
			expect(await s.addToOutbox('t', [entry('a', 1)])).toBe(0);
			s.close();
		});

		test('the genesis change (actor null) is pushable until acknowledged', async () => {
			const s = await open('u5');
			await s.updateTrip('t', { createdHere: true, genesisHash: 'g-0' });
			expect(await s.addToOutbox('t', [entry(null, 0, 'g-0')])).toBe(1);
			await s.acknowledge('t', [{ actor: null, seq: 0, hash: 'g-0' }], 1);
			expect((await s.trip('t')).genesisAcked).toBe(true);
			expect(await s.addToOutbox('t', [entry(null, 0, 'g-0')])).toBe(0);
			s.close();
		});

		test('actors, snapshot digests and trip metadata survive reopening; users are kept apart', async () => {
			const s = await open('u6');
			await s.addActor('actor-1');
			await s.setSnapshotDigest('t', { seq: 500, heads: ['h'], at: 1 });
			await s.updateTrip('t', { serverName: 'Lisbon' });
			s.close();
			const again = await open('u6');
			expect([...(await again.actors())]).toEqual(['actor-1']);
			expect(await again.snapshotDigest('t')).toEqual({ seq: 500, heads: ['h'], at: 1 });
			expect((await again.trip('t')).serverName).toBe('Lisbon');
			expect((await again.trips()).map((t) => t.tripId)).toEqual(['t']);
			again.close();
			const other = await open('someone-else');
			expect((await other.actors()).size).toBe(0);
			expect(await other.trips()).toEqual([]);
			other.close();
		});
	});
}
