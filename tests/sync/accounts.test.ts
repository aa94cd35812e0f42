import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, expect, test } from 'vitest';
import type { UserChange } from '../../src/lib/supabase/auth.ts';
import { appAuthFor, newDevice } from '../helpers/app-client.ts';
import { confirmationLink, followLink, latestMailTo } from '../helpers/inbox.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import { expectConverged, startDevice, stopAllDevices, stopDevice, type Device, type Person } from './harness.ts';

// Guests becoming accounts, through the engine: AppAuth (src/lib/supabase/auth.ts) on the app's
// own client, with email confirmations on as hosted Supabase has them.
const api = await startTestStack({ config: { confirmEmail: true } });
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };
const newEmail = () => `traveller-${randomUUID()}@example.com`;

/** The engine's view of a signed-in client: its user id and that client. */
function personOn(client: SupabaseClient, id: string): Person {
	return {
		id,
		client,
		anotherClient: () => Promise.reject(new Error('this person has one client: pass it to startDevice')),
	};
}

async function authorsOf(tripId: string): Promise<string[]> {
	const { rows } = await api.pool.query<{ author_id: string }>(
		'select distinct author_id from public.trip_changes where trip_id = $1 order by 1',
		[tripId],
	);
	return rows.map((r) => r.author_id);
}

async function openOn(device: Device, tripId: string) {
	await device.sync.open(tripId);
	return device;
}

test('a guest links an email (confirmed), then signs in on a second device: every trip and edit is there', async () => {
	const phone = appAuthFor(api, newDevice());
	const guest = (await phone.auth.start()) as { kind: 'guest'; user: { id: string } };
	expect(guest.kind).toBe('guest');
	const g = await startDevice(personOn(phone.client, guest.user.id), { client: phone.client, scope: 'phone1:' });
	const tripId = await g.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Lisbon') });
	await g.sync.change<Trip>(tripId, (d) => void (d.items.tram = { name: 'tram 28' }));
	await g.sync.whenIdle();
	g.sync.setOnline(false);
	await g.sync.change<Trip>(tripId, (d) => void (d.items.offline = { name: 'made offline as a guest' }));

	const email = newEmail();
	expect(await phone.auth.saveTrips(email)).toEqual({ ok: true });
	const { location } = await followLink(confirmationLink(await latestMailTo(api, email)));
	expect((await phone.auth.completeFromRedirect(location)).kind).toBe('set-password');
	expect(await phone.auth.setPassword('a-good-password')).toEqual({ ok: true });
	// Same user all along: the engine just goes on, now under the account's session.
	g.sync.setOnline(true);
	await g.sync.change<Trip>(tripId, (d) => void (d.items.linked = { name: 'made after linking' }));
	const trip2 = await g.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Madeira') });
	await g.sync.whenIdle();

	const laptop = appAuthFor(api, newDevice());
	await laptop.auth.start();
	expect(await laptop.auth.signIn(email, 'a-good-password')).toMatchObject({ ok: true });
	const l = await startDevice(personOn(laptop.client, guest.user.id), { client: laptop.client, scope: 'laptop1:' });
	expect((await l.sync.serverTrips()).sort()).toEqual([tripId, trip2].sort());
	await openOn(l, tripId);
	await openOn(l, trip2);
	const doc = (await expectConverged(api, tripId, [g, l])) as unknown as Trip;
	expect(Object.keys(doc.items).sort()).toEqual(['linked', 'offline', 'tram']);
	expect(((await expectConverged(api, trip2, [g, l])) as unknown as Trip).meta.name).toBe('Madeira');
	expect(await authorsOf(tripId)).toEqual([guest.user.id]);
});

test('a guest signs in to an existing account: the engine takes over their trips and pushes their unsynced edits as the account', async () => {
	const email = newEmail();
	const password = 'correct-horse';
	const { data: signedUp } = await clientFor(api).auth.signUp({ email, password });
	await followLink(confirmationLink(await latestMailTo(api, email)));
	const accountId = signedUp.user!.id;
	const laptopClient = clientFor(api);
	expect((await laptopClient.auth.signInWithPassword({ email, password })).error).toBeNull();
	const laptop = await startDevice(personOn(laptopClient, accountId), { client: laptopClient, scope: 'laptop2:' });

	const phone = appAuthFor(api, newDevice());
	const guest = (await phone.auth.start()) as { kind: 'guest'; user: { id: string } };
	expect(guest.kind).toBe('guest');
	const g = await startDevice(personOn(phone.client, guest.user.id), { client: phone.client, scope: 'phone2:' });
	const synced = await g.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Kyoto') });
	await g.sync.change<Trip>(synced, (d) => void (d.items.temple = { name: 'Kinkaku-ji' }));
	await g.sync.whenIdle();
	// Offline now: one edit to the synced trip, and a whole trip the server has never seen.
	g.sync.setOnline(false);
	await g.sync.change<Trip>(synced, (d) => void (d.items.unsynced = { name: 'guest edit, not yet pushed' }));
	const offlineTrip = await g.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = 'Osaka') });
	await g.sync.change<Trip>(offlineTrip, (d) => void (d.items.food = { name: 'okonomiyaki' }));
	expect(await g.sync.store.pendingCount(synced)).toBe(1);

	// The app's wiring: on 'claimed' the guest's engine stops and the account's adopts its trips.
	let account: Device | undefined;
	let adopted: string[] = [];
	let takeOver: Promise<void> | undefined;
	phone.auth.setSyncHooks({
		userChanged: (change: UserChange) => {
			if (change.reason !== 'claimed') return;
			takeOver = (async () => {
				await stopDevice(g);
				account = await startDevice(personOn(phone.client, change.to!), { client: phone.client, scope: 'phone2:' });
				adopted = await account.sync.adoptUser(change.from!);
			})();
			return takeOver;
		},
	});
	expect(await phone.auth.signIn(email, password)).toEqual({ ok: true, claimedTrips: 1 });
	await takeOver;
	expect(adopted.sort()).toEqual([synced, offlineTrip].sort());
	await account!.sync.whenIdle();
	expect(await account!.sync.store.pendingCount(synced)).toBe(0);
	expect(await account!.sync.store.pendingCount(offlineTrip)).toBe(0);

	// The account's other device sees both trips and every guest edit.
	expect((await laptop.sync.serverTrips()).sort()).toEqual([synced, offlineTrip].sort());
	await openOn(laptop, synced);
	await openOn(laptop, offlineTrip);
	const kyoto = (await expectConverged(api, synced, [account!, laptop])) as unknown as Trip;
	expect(Object.keys(kyoto.items).sort()).toEqual(['temple', 'unsynced']);
	const osaka = (await expectConverged(api, offlineTrip, [account!, laptop])) as unknown as Trip;
	expect(osaka).toMatchObject({ meta: { name: 'Osaka' }, items: { food: { name: 'okonomiyaki' } } });
	// What the guest pushed stays theirs in the log; what was pushed after the claim is the account's.
	expect(await authorsOf(synced)).toEqual([accountId, guest.user.id].sort());
	expect(await authorsOf(offlineTrip)).toEqual([accountId]);
	const { rows } = await api.pool.query('select owner_id from public.trips where id = any($1) order by 1', [
		[synced, offlineTrip],
	]);
	expect(rows).toEqual([{ owner_id: accountId }, { owner_id: accountId }]);
});
