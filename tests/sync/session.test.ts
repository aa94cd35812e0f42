import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { eventually, serverHashes, signIn, startDevice, stopAllDevices, hashesOf, docOf } from './harness.ts';

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
});
