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
			d.meta = { name: 'Lisbon' };
			d.items = {};
		},
	});
	await a.sync.whenIdle();
	expect((await serverHashes(api, tripId)).size).toBe(1);
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
