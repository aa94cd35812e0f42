import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import {
	docOf,
	expectConverged,
	eventually,
	hashesOf,
	serverHashes,
	signIn,
	startDevice,
	stopAllDevices,
	stopDevice,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

test('another user signing in on the shared client stops the push: no edit goes out under their session', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Mine') });
	await a.sync.whenIdle();
	const before = await serverHashes(api, tripId);

	// Ben signs in in another tab; the client (sharing the session storage) now carries his session.
	const { data } = await ben.client.auth.getSession();
	await a.client.auth.setSession({
		access_token: data.session!.access_token,
		refresh_token: data.session!.refresh_token,
	});
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.private = { name: 'ana’s edit' };
	});
	await eventually(() => a.sync.state.get().trips[tripId]?.status.kind === 'error', 'the wrong-user problem');
	expect(a.sync.state.get().trips[tripId]!.status).toMatchObject({
		kind: 'error',
		problem: { kind: 'wrong-user', sessionUserId: ben.id },
	});
	expect(await serverHashes(api, tripId)).toEqual(before);
	expect(await a.sync.store.pendingCount(tripId)).toBe(1);

	// Ana back: her edit goes out under her own session.
	const mine = await ana.client.auth.getSession();
	await a.client.auth.setSession({
		access_token: mine.data.session!.access_token,
		refresh_token: mine.data.session!.refresh_token,
	});
	await a.sync.syncNow(tripId);
	const { rows } = await api.pool.query<{ author_id: string }>(
		'select distinct author_id from public.trip_changes where trip_id = $1',
		[tripId],
	);
	expect(rows.map((r) => r.author_id)).toEqual([ana.id]);
	const server = await serverHashes(api, tripId);
	expect(hashesOf(docOf(a, tripId)).every((h) => server.has(h))).toBe(true);
	// A second device rebuilt from the log alone holds the same document.
	const other = await startDevice(ana);
	await other.sync.open(tripId);
	await expectConverged(api, tripId, [a, other]);
});

test('two people signing in one after the other on one device: each sees only their own trips and edits', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const scope = 'family-laptop:';
	const a1 = await startDevice(ana, { scope });
	const tripId = await a1.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Ana only') });
	await a1.sync.whenIdle();
	a1.sync.setOnline(false);
	await a1.sync.change<Trip>(tripId, (d) => {
		d.items.unsynced = { name: 'made before signing out' };
	});
	await stopDevice(a1); // local sign-out: her data stays on the device, under her user id

	const b = await startDevice(ben, { scope });
	expect(await b.sync.store.trips()).toEqual([]);
	expect(await b.sync.serverTrips()).not.toContain(tripId);
	expect(await b.sync.store.pendingCount(tripId)).toBe(0);
	await stopDevice(b);

	const a2 = await startDevice(ana, { scope });
	await a2.sync.open(tripId);
	expect((docOf(a2, tripId) as unknown as Trip).items.unsynced).toBeDefined();
	await a2.sync.whenIdle();
	expect(await a2.sync.store.pendingCount(tripId)).toBe(0);
	const server = await serverHashes(api, tripId);
	expect(hashesOf(docOf(a2, tripId)).every((h) => server.has(h))).toBe(true);
	const { rows } = await api.pool.query<{ author_id: string }>(
		'select distinct author_id from public.trip_changes where trip_id = $1',
		[tripId],
	);
	expect(rows.map((r) => r.author_id)).toEqual([ana.id]);
	const other = await startDevice(ana);
	await other.sync.open(tripId);
	const doc = (await expectConverged(api, tripId, [a2, other])) as unknown as Trip;
	expect(doc.items.unsynced?.name).toBe('made before signing out');
});
