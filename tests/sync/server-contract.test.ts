/**
 * The TripServer contract, run against its supabase-js implementation and the real local stack.
 * Another implementation (a worker-side one, a benchmark's) would run the same suite.
 */
import * as A from '@automerge/automerge';
import { expect, test } from 'vitest';
import { isServerCallError, supabaseTripServer, type Hint, type TripServer } from '../../src/lib/sync/index.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { bigChange, hashOf, makeChanges } from '../server/helpers.ts';
import { addMember, signIn } from './harness.ts';

const api = await startTestStack();

async function refusal(p: Promise<unknown>) {
	const e = await p.then(
		() => null,
		(err: unknown) => err,
	);
	expect(isServerCallError(e), String(e)).toBe(true);
	return isServerCallError(e) ? e.class : null;
}

async function tripWith(server: TripServer) {
	const tripId = crypto.randomUUID();
	await server.createTrip(tripId, 'Contract');
	return tripId;
}

test('push returns (seq, hash) in input order, is idempotent, and pull pages from a cursor', async () => {
	const ana = await signIn(api);
	const server = supabaseTripServer(ana.client);
	expect(await server.currentUser()).toBe(ana.id);
	const tripId = await tripWith(server);
	const changes = makeChanges(5);
	const rows = await server.push(tripId, changes);
	expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
	expect(rows.map((r) => r.hash)).toEqual(changes.map(hashOf));
	expect(await server.push(tripId, changes.slice(1, 3))).toEqual(rows.slice(1, 3));
	const page = await server.pull(tripId, 2, 2);
	expect(page.map((r) => r.seq)).toEqual([3, 4]);
	expect(page[0]!.data).toEqual(changes[2]);
	expect(page[0]!.hash).toBe(hashOf(changes[2]!));
	expect(await server.pull(tripId, 5)).toEqual([]);
	const status = await server.status();
	expect(status.find((s) => s.tripId === tripId)).toMatchObject({ role: 'owner', lastSeq: 5, name: 'Contract' });
	await server.setTripName(tripId, 'Renamed');
	expect((await server.status()).find((s) => s.tripId === tripId)!.name).toBe('Renamed');
});

test('refusals come classified: malformed, too large, read-only, not a member', async () => {
	const [ana, vic, eve] = await Promise.all([signIn(api), signIn(api), signIn(api)]);
	const server = supabaseTripServer(ana.client);
	const tripId = await tripWith(server);
	const bad = makeChanges(2);
	bad[1] = new Uint8Array([...bad[1]!.slice(0, 20), 0, ...bad[1]!.slice(21)]);
	expect(await refusal(server.push(tripId, bad))).toMatchObject({ kind: 'malformed', index: 1 });
	expect(await refusal(server.push(tripId, [bigChange(1100 * 1024)]))).toMatchObject({ kind: 'too-large' });
	await addMember(api, tripId, vic, 'viewer');
	expect(await refusal(supabaseTripServer(vic.client).push(tripId, makeChanges(1)))).toEqual({
		kind: 'forbidden',
		reason: 'read-only',
	});
	expect(await refusal(supabaseTripServer(eve.client).pull(tripId, 0))).toEqual({
		kind: 'forbidden',
		reason: 'not-member',
	});
	expect(await refusal(server.createTrip(crypto.randomUUID(), '  '))).toMatchObject({ kind: 'malformed' });
});

test('snapshots: none, then the latest; heads only when the server provides them', async () => {
	const ana = await signIn(api);
	const server = supabaseTripServer(ana.client);
	const tripId = await tripWith(server);
	expect(await server.snapshot(tripId)).toBeNull();
	const changes = makeChanges(3);
	await server.push(tripId, changes);
	const [doc] = A.applyChanges(A.init(), changes);
	const saved = A.save(doc);
	await server.putSnapshot(tripId, 3, saved);
	const snap = await server.snapshot(tripId);
	expect(snap).toMatchObject({ seq: 3, data: saved });
	expect(snap!.heads === null || Array.isArray(snap!.heads)).toBe(true);
});

test('hints: a push and a membership change on the trip channel reach a member', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const server = supabaseTripServer(ana.client);
	const tripId = await tripWith(server);
	await addMember(api, tripId, ben, 'editor');
	const hints: Hint[] = [];
	const sub = supabaseTripServer(ben.client).hints(tripId, (h) => hints.push(h));
	await eventually(() => hints.some((h) => h.kind === 'joined'), 'the join');
	await server.push(tripId, makeChanges(2));
	await eventually(() => hints.find((h) => h.kind === 'changes'), 'a changes hint');
	expect(hints.find((h) => h.kind === 'changes')).toMatchObject({ kind: 'changes', toSeq: 2 });
	const carol = await signIn(api);
	await addMember(api, tripId, carol, 'viewer');
	await server.push(tripId, makeChanges(1, 'y'));
	await ana.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: carol.id });
	await eventually(() => hints.some((h) => h.kind === 'membership'), 'a membership hint');
	await sub.close();
});

test('refreshSession gives a new session for the same user', async () => {
	const ana = await signIn(api);
	const server = supabaseTripServer(ana.client);
	expect(await server.refreshSession()).toBe(true);
	expect(await server.currentUser()).toBe(ana.id);
});
