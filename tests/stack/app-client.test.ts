import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { expect, test } from 'vitest';
import { AUTH_STORAGE_KEY } from '../../src/lib/supabase/client.ts';
import { IdbSessionStorage } from '../../src/lib/supabase/storage.ts';
import type { LockFunc } from '../../src/lib/supabase/lock.ts';
import { appClientFor, newDevice } from '../helpers/app-client.ts';
import { startTestStack } from '../helpers/stack.ts';

// The app's client (src/lib/supabase/client.ts) against the real stack, with fake-indexeddb as the
// browser's IndexedDB. Node has no navigator.locks, so these clients use the IndexedDB lease lock:
// the tested fallback.
const api = await startTestStack();

/** A fetch that counts refresh-token grants, shared by the clients of a test. */
function countingFetch() {
	const counter = { refreshes: 0 };
	const fetchFn: typeof fetch = (input, init) => {
		const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
		if (/\/auth\/v1\/token\?grant_type=refresh_token/.test(url)) counter.refreshes++;
		return fetch(input, init);
	};
	return { counter, fetchFn };
}

/**
 * Waits until a new client has loaded its initial session. supabase-js's lock path emits
 * INITIAL_SESSION outside the lock (so callbacks may call auth methods without deadlocking); a
 * client created while the stored token is within 90 s of expiry may therefore refresh once
 * without the lock (GoTrue then hands the second caller the same rotated session). Tests of the
 * lock age the session only after that start-up read.
 */
async function settled(...clients: SupabaseClient[]): Promise<void> {
	await Promise.all(
		clients.map(
			(client) =>
				new Promise<void>((resolve) => {
					const { data } = client.auth.onAuthStateChange((event) => {
						if (event !== 'INITIAL_SESSION') return;
						setTimeout(() => data.subscription.unsubscribe(), 0);
						resolve();
					});
				}),
		),
	);
	await new Promise((r) => setTimeout(r, 50));
}

/** Makes the stored session look about to expire, as it would after an hour in a background tab. */
async function ageStoredSession(device: IDBFactory): Promise<void> {
	const storage = new IdbSessionStorage(device);
	const session = JSON.parse((await storage.getItem(AUTH_STORAGE_KEY))!) as { expires_at: number };
	session.expires_at = Math.floor(Date.now() / 1000) + 5;
	await storage.setItem(AUTH_STORAGE_KEY, JSON.stringify(session));
}

async function refreshTokenRows(userId: string): Promise<number> {
	const { rows } = await api.pool.query<{ n: number }>(
		'select count(*)::int as n from auth.refresh_tokens where user_id = $1',
		[userId],
	);
	return rows[0]!.n;
}

test('the session is kept in IndexedDB, and a second client on it (the worker) uses it as is', async () => {
	const device = newDevice();
	const tab = appClientFor(api, device);
	const { data } = await tab.auth.signInAnonymously();
	const stored = JSON.parse((await new IdbSessionStorage(device).getItem(AUTH_STORAGE_KEY))!) as {
		access_token: string;
		user: { id: string };
	};
	expect(stored.user.id).toBe(data.user!.id);
	expect(stored.access_token).toBe(data.session!.access_token);

	const worker = appClientFor(api, device);
	const { data: seen } = await worker.auth.getSession();
	expect(seen.session!.access_token).toBe(data.session!.access_token);
	const tripId = randomUUID();
	const { error } = await worker.rpc('create_trip', { p_trip_id: tripId, p_name: 'Made by the worker' });
	expect(error).toBeNull();
	const { rows } = await api.pool.query('select owner_id from public.trips where id = $1', [tripId]);
	expect(rows[0].owner_id).toBe(data.user!.id);

	// Another browser profile sees nothing of it.
	expect((await appClientFor(api, newDevice()).auth.getSession()).data.session).toBeNull();
});

test('two clients refreshing at once under the shared lock make one refresh grant', async () => {
	const device = newDevice();
	const { counter, fetchFn } = countingFetch();
	const tab = appClientFor(api, device, { client: { global: { fetch: fetchFn } } });
	const worker = appClientFor(api, device, { client: { global: { fetch: fetchFn } } });
	const { data } = await tab.auth.signInAnonymously();
	await settled(tab, worker);
	await ageStoredSession(device);

	const [a, b] = await Promise.all([tab.auth.getSession(), worker.auth.getSession()]);
	expect(counter.refreshes).toBe(1);
	// (Access tokens minted in the same second are identical; the refresh token shows the rotation.)
	expect(a.data.session!.refresh_token).not.toBe(data.session!.refresh_token);
	expect(b.data.session!.refresh_token).toBe(a.data.session!.refresh_token);
	expect(b.data.session!.access_token).toBe(a.data.session!.access_token);
	// One rotation at the server: the first refresh token and its one successor.
	expect(await refreshTokenRows(data.user!.id)).toBe(2);
});

test('without a shared lock the same two clients each spend a refresh grant', async () => {
	const device = newDevice();
	const { counter, fetchFn } = countingFetch();
	const noLock: LockFunc = (_name, _timeout, fn) => fn();
	const options = { lock: noLock, client: { global: { fetch: fetchFn } } };
	const tab = appClientFor(api, device, options);
	const worker = appClientFor(api, device, options);
	await tab.auth.signInAnonymously();
	await settled(tab, worker);
	await ageStoredSession(device);
	await Promise.all([tab.auth.getSession(), worker.auth.getSession()]);
	expect(counter.refreshes).toBe(2);
});

test('a refresh the worker made is what the tab uses next, without refreshing again', async () => {
	const device = newDevice();
	const { counter, fetchFn } = countingFetch();
	const tab = appClientFor(api, device, { client: { global: { fetch: fetchFn } } });
	const worker = appClientFor(api, device, { client: { global: { fetch: fetchFn } } });
	await tab.auth.signInAnonymously();
	await settled(tab, worker);
	await ageStoredSession(device);
	const { data: refreshed } = await worker.auth.getSession();
	const { data: seen } = await tab.auth.getSession();
	expect(counter.refreshes).toBe(1);
	expect(seen.session!.access_token).toBe(refreshed.session!.access_token);
	expect((await tab.auth.getUser()).data.user!.id).toBe(refreshed.session!.user.id);
});

test('a corrupt stored session reads as signed out instead of breaking the client', async () => {
	const device = newDevice();
	await new IdbSessionStorage(device).setItem(AUTH_STORAGE_KEY, '{not json');
	const client = appClientFor(api, device);
	const { data, error } = await client.auth.getSession();
	expect(error).toBeNull();
	expect(data.session).toBeNull();
	expect((await client.auth.signInAnonymously()).error).toBeNull();
});
