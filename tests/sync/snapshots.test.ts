import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { addMember, expectConverged, signIn, startDevice, stopAllDevices } from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

async function bigTrip(edits: number) {
	const ana = await signIn(api);
	const a = await startDevice(ana);
	a.sync.setOnline(false);
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Big') });
	for (let i = 0; i < edits; i++)
		await a.sync.change<Trip>(tripId, (d) => {
			d.items[`i${i}`] = { name: `item number ${i}` };
		});
	a.sync.setOnline(true);
	await a.sync.whenIdle();
	return { a, tripId };
}

const snapshotRow = async (tripId: string) =>
	(await api.pool.query('select seq from public.trip_snapshots where trip_id = $1', [tripId])).rows[0] as
		{ seq: string } | undefined;

test('past 500 changes the client holding exactly the log uploads a snapshot; a new device loads it plus the tail', async () => {
	const { a, tripId } = await bigTrip(520);
	const row = await snapshotRow(tripId);
	expect(Number(row?.seq)).toBe(522);
	expect(a.sync.history().some((r) => r.bytesUp > 0)).toBe(true);

	// A few more edits after the snapshot: the tail.
	for (let i = 0; i < 3; i++)
		await a.sync.change<Trip>(tripId, (d) => {
			d.items[`tail${i}`] = { name: 'tail' };
		});
	await a.sync.whenIdle();

	const ben = await signIn(api);
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	const pulled = b.sync.history().reduce((n, r) => n + r.pulled, 0);
	expect(pulled).toBe(3);
	expect(await b.sync.store.snapshotDigest(tripId)).toMatchObject({ seq: 522 });
	const doc = (await expectConverged(api, tripId, [a, b])) as unknown as Trip;
	expect(Object.keys(doc.items)).toHaveLength(523);
});

test('a fabricated snapshot (content not matching the log’s heads) is refused; the device pulls the whole tail', async () => {
	const { a, tripId } = await bigTrip(505);
	expect(await snapshotRow(tripId)).toBeDefined();
	// Replace the snapshot's bytes behind the server's back: a plausible document with other content.
	const fake = A.save(A.from({ meta: { name: 'Forged' }, items: {} }));
	await api.pool.query('update public.trip_snapshots set data = $2 where trip_id = $1', [tripId, Buffer.from(fake)]);

	const carol = await signIn(api);
	await addMember(api, tripId, carol, 'viewer');
	const c = await startDevice(carol);
	await c.sync.open(tripId);
	await c.sync.whenIdle();
	expect(c.sync.history().reduce((n, r) => n + r.pulled, 0)).toBe(507);
	expect(await c.sync.store.snapshotDigest(tripId)).toBeNull();
	const doc = (await expectConverged(api, tripId, [a, c])) as unknown as Trip;
	expect(doc.meta.name).toBe('Big');
});
