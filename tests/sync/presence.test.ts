// Presence and authorship on the engine: presence rides the trip's one Realtime channel (the one
// the hints use), one entry per person however many connections, gone when they leave; the author
// of every pulled change is the one the server recorded.
import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import type { PresentPerson } from '../../src/lib/sync/index.ts';
import { addMember, eventually, expectConverged, signIn, startDevice, stopAllDevices, stopDevice } from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; notes?: string };

async function trip() {
	const [ana, ben, vic] = await Promise.all([signIn(api), signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Presence') });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	await addMember(api, tripId, vic, 'viewer');
	return { ana, ben, vic, a, tripId };
}

const ids = (people: PresentPerson[]) => people.map((p) => p.userId);

test('everyone on a trip, viewers too, sees one entry per person, with what they edit; gone when they leave', async () => {
	const { ana, ben, vic, a, tripId } = await trip();
	const b1 = await startDevice(ben);
	const b2 = await startDevice(ben); // a second tab: another connection, same person
	const v = await startDevice(vic);
	for (const d of [b1, b2, v]) await d.sync.open(tripId);

	let seenByAna: PresentPerson[] = [];
	let seenByVic: PresentPerson[] = [];
	const pa = a.sync.presence(tripId, (p) => (seenByAna = p))!;
	const pb1 = b1.sync.presence(tripId, () => {})!;
	const pb2 = b2.sync.presence(tripId, () => {})!;
	const pv = v.sync.presence(tripId, (p) => (seenByVic = p))!;
	pa.setEditing(null);
	pb1.setEditing({ kind: 'item', id: 'socks', field: 'quantity' });
	pb2.setEditing(null);
	pv.setEditing(null);

	const everyone = [ana.id, ben.id, vic.id].sort();
	await eventually(() => JSON.stringify(ids(seenByAna)) === JSON.stringify(everyone), 'ana to see all three');
	await eventually(() => JSON.stringify(ids(seenByVic)) === JSON.stringify(everyone), 'the viewer to see all three');
	const benSeen = seenByAna.find((p) => p.userId === ben.id)!;
	expect(benSeen.connections).toBe(2);

	// The last-active connection decides what they are editing.
	pb2.setEditing({ kind: 'text', id: 'notes' });
	await eventually(
		() => seenByAna.find((p) => p.userId === ben.id)?.editing?.kind === 'text',
		'ana to see ben in the notes',
	);

	// Presence shares the hints' channel: edits still reach the others at once.
	await a.sync.change<Trip>(tripId, (d) => void (d.notes = 'hello'));
	await expectConverged(api, tripId, [a, b1, v]);

	// One tab goes: still there. Both go: gone within seconds.
	await pb1.close();
	await stopDevice(b1);
	await eventually(() => seenByAna.find((p) => p.userId === ben.id)?.connections === 1, 'one connection of ben');
	await pb2.close();
	await stopDevice(b2);
	await eventually(() => !ids(seenByAna).includes(ben.id), 'ben gone from ana’s list', 5_000);
	expect(ids(seenByAna)).toEqual([ana.id, vic.id].sort());
	await pv.close();
	await pa.close();
});

test('who made each change is the author the server recorded, for pulled and own changes alike', async () => {
	const { ben, a, tripId } = await trip();
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.change<Trip>(tripId, (d) => void (d.notes = 'by ben'));
	await b.sync.whenIdle();
	await a.sync.syncNow(tripId);
	const { rows } = await api.pool.query<{ hash: string; author_id: string }>(
		"select encode(hash, 'hex') as hash, author_id from public.trip_changes where trip_id = $1",
		[tripId],
	);
	const recorded = Object.fromEntries(rows.map((r) => [r.hash.toLowerCase(), r.author_id]));
	const onAna = Object.fromEntries(await a.sync.authors(tripId));
	const onBen = Object.fromEntries(await b.sync.authors(tripId));
	expect(Object.values(recorded)).toContain(ben.id);
	for (const [hash, author] of Object.entries(onAna)) expect(recorded[hash]).toBe(author);
	for (const [hash, author] of Object.entries(onBen)) expect(recorded[hash]).toBe(author);
	// Ana pulled ben's change; ben pulled ana's: each knows the other's.
	expect(Object.values(onAna)).toContain(ben.id);
	expect(Object.values(onBen)).toContain(a.person.id);
});
