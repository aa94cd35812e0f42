import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { AuthState } from '../../src/lib/supabase/auth-state.ts';
import type { UserChange } from '../../src/lib/supabase/auth.ts';
import { AUTH_STORAGE_KEY } from '../../src/lib/supabase/client.ts';
import { IdbSessionStorage } from '../../src/lib/supabase/storage.ts';
import { appAuthFor, newDevice } from '../helpers/app-client.ts';
import { confirmationLink, followLink, latestMailTo } from '../helpers/inbox.ts';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';

// AppAuth (src/lib/supabase/auth.ts) end to end: the real stack with email confirmations on (as
// hosted has them), the real supabase-js, fake-indexeddb as each device's IndexedDB, and the mail
// read from the stack's inbox.
const api = await startTestStack({ config: { confirmEmail: true } });

const newEmail = () => `person-${randomUUID()}@example.com`;

function expectKind<K extends AuthState['kind']>(state: AuthState, kind: K): Extract<AuthState, { kind: K }> {
	expect(state.kind, JSON.stringify(state)).toBe(kind);
	return state as Extract<AuthState, { kind: K }>;
}

async function createTrip(client: ReturnType<typeof appAuthFor>['client'], name: string): Promise<string> {
	const tripId = randomUUID();
	const { error } = await client.rpc('create_trip', { p_trip_id: tripId, p_name: name });
	expect(error).toBeNull();
	return tripId;
}

async function tripIdsOf(client: ReturnType<typeof appAuthFor>['client']): Promise<string[]> {
	const { data, error } = await client.rpc('sync_status');
	expect(error).toBeNull();
	return (data as { trip_id: string }[]).map((t) => t.trip_id);
}

/** An existing, confirmed account with a password, made elsewhere. */
async function existingAccount(): Promise<{ email: string; password: string; id: string }> {
	const email = newEmail();
	const password = 'correct-horse';
	const { data } = await clientFor(api).auth.signUp({ email, password });
	await followLink(confirmationLink(await latestMailTo(api, email)));
	return { email, password, id: data.user!.id };
}

describe('first start', () => {
	test('signs in as a guest at once, and a reload resumes that guest', async () => {
		const device = newDevice();
		const { auth } = appAuthFor(api, device);
		const seen: string[] = [];
		auth.subscribe((s) => seen.push(s.kind));
		const guest = expectKind(await auth.start(), 'guest');
		expect(guest.user.is_anonymous).toBe(true);
		expect(seen).toEqual(['starting', 'guest']);

		const { rows: before } = await api.pool.query('select count(*)::int as n from auth.users');
		const reloaded = expectKind(await appAuthFor(api, device).auth.start(), 'guest');
		expect(reloaded.user.id).toBe(guest.user.id);
		const { rows: after } = await api.pool.query('select count(*)::int as n from auth.users');
		expect(after[0].n).toBe(before[0].n);
	});
});

describe('first start offline', () => {
	test('with an expired token it opens at once as the same user, and catches up when the server is back', async () => {
		const device = newDevice();
		const guest = expectKind(await appAuthFor(api, device).auth.start(), 'guest');
		const storage = new IdbSessionStorage(device);
		const session = JSON.parse((await storage.getItem(AUTH_STORAGE_KEY))!) as { expires_at: number };
		session.expires_at = Math.floor(Date.now() / 1000) - 60;
		await storage.setItem(AUTH_STORAGE_KEY, JSON.stringify(session));

		await api.stop();
		const { auth } = appAuthFor(api, device);
		const seen: AuthState[] = [];
		auth.subscribe((s) => seen.push(s));
		const starting = auth.start();
		await eventually(() => seen.some((s) => s.kind === 'guest'), 'the stored guest to be shown');
		expect(seen.map((s) => s.kind)).toEqual(['starting', 'guest']);
		expect(expectKind(seen[1]!, 'guest').user.id).toBe(guest.user.id);

		await api.start();
		expect(expectKind(await starting, 'guest').user.id).toBe(guest.user.id);
		const { rows } = await api.pool.query('select count(*)::int as n from auth.refresh_tokens where user_id = $1', [
			guest.user.id,
		]);
		expect(rows[0].n).toBe(2);
	}, 40_000);

	test('a stored session the server no longer accepts ends in signed-out, not in a silent new guest', async () => {
		const device = newDevice();
		const guest = expectKind(await appAuthFor(api, device).auth.start(), 'guest');
		const storage = new IdbSessionStorage(device);
		const session = JSON.parse((await storage.getItem(AUTH_STORAGE_KEY))!) as { expires_at: number };
		session.expires_at = Math.floor(Date.now() / 1000) - 60;
		await storage.setItem(AUTH_STORAGE_KEY, JSON.stringify(session));
		await api.pool.query('delete from auth.sessions where user_id = $1', [guest.user.id]);

		const { auth } = appAuthFor(api, device);
		const changes: UserChange[] = [];
		auth.setSyncHooks({ userChanged: (change) => void changes.push(change) });
		expectKind(await auth.start(), 'signed-out');
		expect(changes).toEqual([{ from: guest.user.id, to: null, reason: 'signed-out' }]);
	});
});

describe('Save your trips (link an email to the guest)', () => {
	test('confirm the link, choose a password, keep the user and every trip, sign in on a second device', async () => {
		const phone = newDevice();
		const { auth, client } = appAuthFor(api, phone);
		const guest = expectKind(await auth.start(), 'guest');
		const tripId = await createTrip(client, 'Lisbon');
		const email = newEmail();

		expect(await auth.saveTrips(email)).toEqual({ ok: true });
		expect(expectKind(auth.state, 'confirming')).toMatchObject({ email, user: { id: guest.user.id } });
		// A reload while waiting still knows what it waits for.
		expect(expectKind(await appAuthFor(api, phone).auth.start(), 'confirming').email).toBe(email);

		const { location } = await followLink(confirmationLink(await latestMailTo(api, email)));
		expect(location.href.startsWith('http://127.0.0.1:5173/#')).toBe(true);
		const confirmed = expectKind(await auth.completeFromRedirect(location), 'set-password');
		expect(confirmed.user.id).toBe(guest.user.id);
		expect(confirmed.email).toBe(email);
		expect(confirmed.user.is_anonymous).toBe(false);

		expect(await auth.setPassword('a-good-password')).toEqual({ ok: true });
		expect(expectKind(auth.state, 'account')).toMatchObject({ email, user: { id: guest.user.id } });
		expect(await tripIdsOf(client)).toEqual([tripId]);

		const laptop = appAuthFor(api, newDevice());
		expectKind(await laptop.auth.start(), 'guest');
		expect(await laptop.auth.signIn(email, 'a-good-password')).toMatchObject({ ok: true });
		expect(expectKind(laptop.auth.state, 'account').user.id).toBe(guest.user.id);
		expect(await tripIdsOf(laptop.client)).toEqual([tripId]);
	});

	test('a link opened on another device is noticed by refresh(), which then asks for the password', async () => {
		const { auth } = appAuthFor(api, newDevice());
		const guest = expectKind(await auth.start(), 'guest');
		const email = newEmail();
		await auth.saveTrips(email);
		expectKind(await auth.refresh(), 'confirming');
		await followLink(confirmationLink(await latestMailTo(api, email)));
		const state = expectKind(await auth.refresh(), 'set-password');
		expect(state.user.id).toBe(guest.user.id);
		expect(await auth.setPassword('another-good-one')).toEqual({ ok: true });
		expectKind(auth.state, 'account');
	});

	test('an address someone already uses is refused in words, and the guest stays a guest', async () => {
		const taken = await existingAccount();
		const { auth } = appAuthFor(api, newDevice());
		await auth.start();
		expect(await auth.saveTrips(taken.email)).toEqual({
			ok: false,
			message: 'An account already uses this email address. Sign in to it instead.',
		});
		expectKind(auth.state, 'guest');
	});

	test('an expired or used link comes back as an error a person understands, still signed in', async () => {
		const { auth } = appAuthFor(api, newDevice());
		const guest = expectKind(await auth.start(), 'guest');
		const email = newEmail();
		await auth.saveTrips(email);
		const link = confirmationLink(await latestMailTo(api, email));
		await followLink(link);
		const { location } = await followLink(link);
		const failed = expectKind(await auth.completeFromRedirect(location), 'error');
		expect(failed.message).toBe('This link has expired or was already used. Ask for a new one.');
		expect(failed.previous?.user.id).toBe(guest.user.id);
	});
});

describe('signing in to an existing account from a guest session', () => {
	test("keeps the guest's trips: after the claim the account owns them", async () => {
		const account = await existingAccount();
		const { auth, client } = appAuthFor(api, newDevice());
		const guest = expectKind(await auth.start(), 'guest');
		const tripId = await createTrip(client, 'Guest plans');
		const changes: UserChange[] = [];
		auth.setSyncHooks({ userChanged: (change) => void changes.push(change) });

		expect(await auth.signIn(account.email, account.password)).toEqual({ ok: true, claimedTrips: 1 });
		expect(expectKind(auth.state, 'account').user.id).toBe(account.id);
		expect(changes).toEqual([{ from: guest.user.id, to: account.id, reason: 'claimed', claimedTrips: 1 }]);
		expect(await tripIdsOf(client)).toEqual([tripId]);
		const { rows } = await api.pool.query('select user_id, role from public.trip_members where trip_id = $1', [tripId]);
		expect(rows).toEqual([{ user_id: account.id, role: 'owner' }]);
	});

	test('a wrong password leaves the guest signed in with their trips, and says why', async () => {
		const account = await existingAccount();
		const { auth, client } = appAuthFor(api, newDevice());
		const guest = expectKind(await auth.start(), 'guest');
		const tripId = await createTrip(client, 'Still mine');
		expect(await auth.signIn(account.email, 'wrong-password')).toEqual({
			ok: false,
			message: "That email and password don't match an account.",
		});
		expect(expectKind(auth.state, 'guest').user.id).toBe(guest.user.id);
		expect(await tripIdsOf(client)).toEqual([tripId]);
	});

	test('a redemption lost to the network is retried by the next start, and the trips still move', async () => {
		const account = await existingAccount();
		const device = newDevice();
		let dropRedeem = true;
		// The network drops exactly the redemption request (it never reaches the server).
		const flaky: typeof fetch = (input, init) => {
			const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
			if (dropRedeem && url.endsWith('/rest/v1/rpc/redeem_claim_token')) {
				dropRedeem = false;
				return Promise.reject(new TypeError('fetch failed'));
			}
			return fetch(input, init);
		};
		const { auth, client } = appAuthFor(api, device, { fetch: flaky });
		await auth.start();
		const tripId = await createTrip(client, 'Offline claim');
		expect(await auth.signIn(account.email, account.password)).toEqual({ ok: true, claimPending: true });
		expect(await tripIdsOf(client)).toEqual([]);

		const reloaded = appAuthFor(api, device);
		const changes: UserChange[] = [];
		reloaded.auth.setSyncHooks({ userChanged: (change) => void changes.push(change) });
		expect(expectKind(await reloaded.auth.start(), 'account').user.id).toBe(account.id);
		expect(changes).toMatchObject([{ to: account.id, reason: 'claimed', claimedTrips: 1 }]);
		expect(await tripIdsOf(reloaded.client)).toEqual([tripId]);
	});

	test('the engine is asked to push before the user changes', async () => {
		const account = await existingAccount();
		const { auth } = appAuthFor(api, newDevice());
		await auth.start();
		const order: string[] = [];
		auth.setSyncHooks({
			flush: async () => void order.push('flush'),
			userChanged: () => void order.push('changed'),
		});
		await auth.signIn(account.email, account.password);
		expect(order).toEqual(['flush', 'changed']);
	});
});

describe('sign-out', () => {
	test('with unsynced edits it refuses and says how many; told to go ahead, it signs this device out only', async () => {
		const account = await existingAccount();
		const device = newDevice();
		const { auth } = appAuthFor(api, device);
		await auth.start();
		await auth.signIn(account.email, account.password);
		const otherDevice = appAuthFor(api, newDevice());
		await otherDevice.auth.start();
		await otherDevice.auth.signIn(account.email, account.password);

		let pending = 3;
		auth.setSyncHooks({ pendingCount: () => pending, flush: async () => void (pending = 1) });
		expect(await auth.signOutCheck()).toEqual({ pending: 3, guest: false });
		expect(await auth.signOut()).toEqual({ ok: false, reason: 'unsynced', pending: 3 });
		expectKind(auth.state, 'account');
		expect(await auth.flushPending()).toBe(1);

		expect(await auth.signOut({ discardUnsynced: true })).toEqual({ ok: true });
		expectKind(auth.state, 'signed-out');
		expect(await new IdbSessionStorage(device).getItem(AUTH_STORAGE_KEY)).toBeNull();
		// scope 'local': the other device is still signed in.
		const { error } = await otherDevice.client.auth.refreshSession();
		expect(error).toBeNull();
	});

	test('a guest is told that signing out ends the guest account, and only then is signed out', async () => {
		const { auth } = appAuthFor(api, newDevice());
		await auth.start();
		expect(await auth.signOutCheck()).toEqual({ pending: 0, guest: true });
		expect(await auth.signOut()).toEqual({ ok: false, reason: 'guest-ends' });
		expectKind(auth.state, 'guest');
		expect(await auth.signOut({ endGuest: true })).toEqual({ ok: true });
		expectKind(auth.state, 'signed-out');
		// Starting again makes a new guest.
		expectKind(await auth.start(), 'guest');
	});
});
