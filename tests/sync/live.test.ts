import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
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
	hashesOf,
	type Doc,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string; by: string }> };

test('two clients live: each sees the other’s edit, and every change is in the log', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Lisbon';
		},
	});
	await a.sync.whenIdle();
	expect((await serverHashes(api, tripId)).size).toBe(2); // the genesis and the first edit
	const { rows } = await api.pool.query('select name from public.trips where id = $1', [tripId]);
	expect(rows[0].name).toBe('Lisbon');

	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await eventually(() => (docOf(b, tripId) as unknown as Trip).meta?.name === 'Lisbon', 'ben to load the trip');

	await a.sync.change<Trip>(tripId, (d) => {
		d.items.i1 = { name: 'passport', by: 'ana' };
	});
	await eventually(() => (docOf(b, tripId) as unknown as Trip).items?.i1?.name === 'passport', 'ana’s edit on ben');
	await b.sync.change<Trip>(tripId, (d) => {
		d.items.i2 = { name: 'sunscreen', by: 'ben' };
	});
	await eventually(() => (docOf(a, tripId) as unknown as Trip).items?.i2?.name === 'sunscreen', 'ben’s edit on ana');
	const doc = await expectConverged(api, tripId, [a, b]);
	expect(Object.keys((doc as unknown as Trip).items).sort()).toEqual(['i1', 'i2']);
	expect((await serverHashes(api, tripId)).size).toBe(hashesOf(docOf(a, tripId) as A.Doc<Doc>).length);
});

test('five clients live: concurrent edits on all of them converge, each edit once in the log', async () => {
	const people = await Promise.all(Array.from({ length: 5 }, () => signIn(api)));
	const owner = await startDevice(people[0]!);
	const tripId = await owner.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Alps';
		},
	});
	await owner.sync.whenIdle();
	for (const p of people.slice(1)) await addMember(api, tripId, p, 'editor');
	const others = await Promise.all(people.slice(1).map((p) => startDevice(p)));
	const all = [owner, ...others];
	await Promise.all(others.map((d) => d.sync.open(tripId)));
	await Promise.all(others.map((d) => d.sync.whenIdle()));
	// Every client edits at once, three times, without waiting for anyone.
	await Promise.all(
		all.flatMap((d, i) =>
			[0, 1, 2].map((k) =>
				d.sync.change<Trip>(tripId, (doc) => {
					doc.items[`c${i}-${k}`] = { name: `item ${k}`, by: `client ${i}` };
				}),
			),
		),
	);
	await eventually(
		() => all.every((d) => Object.keys((docOf(d, tripId) as unknown as Trip).items ?? {}).length === 15),
		'all 15 items on all 5 clients (through hints alone)',
		15_000,
	);
	await expectConverged(api, tripId, all);
	const { rows } = await api.pool.query(
		'select count(*)::int as n, count(distinct hash)::int as d from public.trip_changes where trip_id = $1',
		[tripId],
	);
	expect(rows[0].n).toBe(rows[0].d);
	expect(rows[0].n).toBe(hashesOf(docOf(owner, tripId)).length);
});

test('trips.name follows the document’s name, and a blank name never reaches it', async () => {
	const ana = await signIn(api);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({});
	await a.sync.whenIdle();
	const nameOf = async () =>
		(await api.pool.query('select name from public.trips where id = $1', [tripId])).rows[0].name as string;
	// Created without a name: the server still gets a non-blank one.
	expect((await nameOf()).trim()).not.toBe('');
	await a.sync.change<Trip>(tripId, (d) => void (d.meta.name = 'Lisbon & Porto'));
	await eventually(async () => (await nameOf()) === 'Lisbon & Porto', 'the new name on the server');
	await a.sync.change<Trip>(tripId, (d) => void (d.meta.name = '   '));
	await a.sync.whenIdle();
	expect(await nameOf()).toBe('Lisbon & Porto');
});
