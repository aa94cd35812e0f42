import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
import { mintAccessToken } from '../helpers/users.ts';
import { startTestStack } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	eventually,
	expectConverged,
	hashesOf,
	serverHashes,
	signIn,
	startDevice,
	stopAllDevices,
	type Person,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

/**
 * A device's network as seen by the server when its access token has expired under it (a laptop
 * that slept past the token's hour: supabase-js still holds the old token when the call leaves).
 * The server gets a really expired token, minted as GoTrue mints them, on the next `expire` trip-log
 * calls; refresh calls go through untouched, and are counted.
 */
class ExpiringToken {
	expire = 0;
	refreshes = 0;
	unauthorized = 0;
	constructor(private readonly person: Person) {}
	readonly fetch: typeof fetch = async (input, init) => {
		const url = String(input instanceof Request ? input.url : input);
		if (url.includes('grant_type=refresh_token')) this.refreshes++;
		if (this.expire > 0 && url.includes('/rest/v1/rpc/')) {
			this.expire--;
			const headers = new Headers(init?.headers);
			headers.set('Authorization', `Bearer ${mintAccessToken(api, this.person.id, -60)}`);
			const response = await fetch(input, { ...init, headers });
			if (response.status === 401) this.unauthorized++;
			return response;
		}
		return fetch(input, init);
	};
}

async function pairWithExpiringToken(name: string) {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const token = new ExpiringToken(ana);
	const a = await startDevice(ana, { client: await ana.anotherClient(token.fetch) });
	const tripId = await a.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = name) });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	return { a, b, tripId, token, ana };
}

test('an access token expired under a push: the engine refreshes the session once, retries, and the edit arrives', async () => {
	const { a, b, tripId, token } = await pairWithExpiringToken('Bergen');
	token.expire = 1;
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.late = { name: 'sent with an expired token' };
	});
	await eventually(async () => (await a.sync.store.pendingCount(tripId)) === 0, 'the retried push');
	expect(token.unauthorized).toBe(1);
	expect(token.refreshes).toBe(1);
	// The retry happened inside the same cycle: no run failed, nothing waited for a backoff.
	expect(a.sync.history().filter((r) => r.outcome === 'error')).toEqual([]);
	const doc = (await expectConverged(api, tripId, [a, b])) as unknown as Trip;
	expect(doc.items.late).toEqual({ name: 'sent with an expired token' });
});

test('a revoked session: the failure is an error state, the edit stays in the outbox and is never pushed or dropped', async () => {
	const { a, b, tripId, token, ana } = await pairWithExpiringToken('Aarhus');
	// Signed out everywhere (e.g. a password change elsewhere): the refresh token is gone too.
	await api.pool.query('delete from auth.sessions where user_id = $1', [ana.id]);
	token.expire = Number.POSITIVE_INFINITY;
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.stranded = { name: 'made after the session was revoked' };
	});
	await eventually(() => a.sync.state.get().trips[tripId]?.status.kind === 'error', 'the signed-out error state');
	expect(a.sync.state.get().trips[tripId]!.status).toMatchObject({ kind: 'error', problem: { kind: 'signed-out' } });
	expect(token.unauthorized).toBeGreaterThan(0);
	// One refresh per cycle, never a loop of them.
	const runs = a.sync.history().length;
	expect(token.refreshes).toBeLessThanOrEqual(runs);

	const edit = hashesOf(docOf(a, tripId)).filter((h) => !hashesOf(docOf(b, tripId)).includes(h));
	expect(edit).toHaveLength(1);
	expect(await a.sync.store.pendingCount(tripId)).toBe(1);
	const unsynced = await a.sync.unsynced(tripId);
	expect(unsynced.map((bytes) => A.decodeChange(bytes).hash)).toEqual(edit);
	expect((await serverHashes(api, tripId)).has(edit[0]!)).toBe(false);
	// Everything made before the revocation is on the server.
	const server = await serverHashes(api, tripId);
	expect(hashesOf(docOf(b, tripId)).every((h) => server.has(h))).toBe(true);
});
