import * as A from '@automerge/automerge';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
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
	stopDevice,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };
const init = (name: string) => (d: Trip) => {
	d.meta.name = name;
};

/** A change chunk with a valid header and checksum around a body Automerge cannot parse. */
function garbageChange(): { bytes: Buffer; hash: string } {
	const body = Buffer.concat([Buffer.from([1, 40]), randomBytes(40)]); // type 1, length 40, junk
	const digest = createHash('sha256').update(body).digest();
	const bytes = Buffer.concat([Buffer.from([0x85, 0x6f, 0x4a, 0x83]), digest.subarray(0, 4), body]);
	return { bytes, hash: digest.toString('hex') };
}

/** Plants a row in the log directly (service role: what a compromised or buggy server might hold). */
async function plant(tripId: string, authorId: string, bytes: Buffer, hash: string) {
	await api.pool.query(
		`with t as (update public.trips set last_seq = last_seq + 1 where id = $1 returning last_seq)
		 insert into public.trip_changes (trip_id, seq, hash, data, author_id)
		 select $1, t.last_seq, decode($2, 'hex'), $3, $4 from t`,
		[tripId, hash, bytes, authorId],
	);
}

test('a malformed change planted in the log is quarantined; every other change is applied', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Planted') });
	await a.sync.whenIdle();
	const garbage = garbageChange();
	await plant(tripId, ana.id, garbage.bytes, garbage.hash);
	// And one whose stored hash does not match its data.
	const other = garbageChange();
	await plant(tripId, ana.id, other.bytes, 'ab'.repeat(32));
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.after = { name: 'after the bad ones' };
	});
	await a.sync.whenIdle();

	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	expect((docOf(b, tripId) as unknown as Trip).items.after).toBeDefined();
	const quarantined = await b.sync.store.quarantined(tripId);
	expect(quarantined.map((q) => q.hash).sort()).toEqual([garbage.hash, 'ab'.repeat(32)].sort());
	expect(quarantined.find((q) => q.hash === 'ab'.repeat(32))!.reason).toMatch(/does not match its hash/);
	expect(b.sync.state.get().trips[tripId]!.quarantined).toBe(2);
	expect(b.sync.history().some((r) => r.quarantined === 2)).toBe(true);
	// Not retried: a later cycle pulls nothing again.
	await b.sync.syncNow(tripId);
	expect(b.sync.history().at(-1)!.pulled).toBe(0);
	await expectConverged(api, tripId, [a, b]);
});

test('a viewer’s edit is refused before it is made; one made anyway stays local and is reported', async () => {
	const [ana, vic] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Look only') });
	await a.sync.whenIdle();
	await addMember(api, tripId, vic, 'viewer');
	const v = await startDevice(vic);
	const handle = await v.sync.open<Trip>(tripId);
	await v.sync.whenIdle();
	await expect(
		v.sync.change<Trip>(tripId, (d) => {
			d.items.nope = { name: 'nope' };
		}),
	).rejects.toThrow(/read-only/);
	expect((docOf(v, tripId) as unknown as Trip).items.nope).toBeUndefined();

	// An edit that bypassed the check (made through the handle directly) is never silently dropped.
	handle.change((d) => {
		d.items.sneaky = { name: 'made anyway' };
	});
	await eventually(() => v.sync.state.get().trips[tripId]?.status.kind === 'error', 'the read-only problem');
	const state = v.sync.state.get().trips[tripId]!;
	expect(state.status).toMatchObject({ kind: 'error', problem: { kind: 'read-only', pending: 1 } });
	expect(await v.sync.unsynced(tripId)).toHaveLength(1);
	expect((await serverHashes(api, tripId)).size).toBe(2); // the genesis and the first edit
});

test('a removed member stops syncing, leaves the channel, is told, and keeps its unsynced edits', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Kicked') });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	await eventually(() => b.sync.history().some((r) => r.trigger === 'joined'), 'ben to join the channel');
	b.sync.setOnline(false);
	await b.sync.change<Trip>(tripId, (d) => {
		d.items.mine = { name: 'unsynced' };
	});
	const { error } = await ana.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: ben.id });
	expect(error).toBeNull();
	b.sync.setOnline(true);
	await eventually(
		() => b.sync.state.get().trips[tripId]?.status.kind === 'error',
		'ben to learn he was removed',
		10_000,
	);
	expect(b.sync.state.get().trips[tripId]!.status).toMatchObject({
		kind: 'error',
		problem: { kind: 'removed', pending: 1 },
	});
	expect(await b.sync.unsynced(tripId)).toHaveLength(1);
	await expect(b.sync.change<Trip>(tripId, () => {})).rejects.toThrow(/no longer synced/);
	expect(b.client.getChannels().some((c) => c.topic === `realtime:trip:${tripId}`)).toBe(false);
	expect((await serverHashes(api, tripId)).size).toBe(hashesOf(docOf(a, tripId)).length);
});

test('a deleted trip stops syncing on every member’s device', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Gone') });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const b = await startDevice(ben);
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	await eventually(() => b.sync.history().some((r) => r.trigger === 'joined'), 'ben to join the channel');
	const { error } = await ana.client.rpc('delete_trip', { p_trip_id: tripId });
	expect(error).toBeNull();
	for (const d of [a, b])
		await eventually(
			() => d.sync.state.get().trips[tripId]?.status.kind === 'error',
			'each device to stop syncing the deleted trip',
			10_000,
		);
	for (const d of [a, b]) {
		expect(d.sync.state.get().trips[tripId]!.status).toMatchObject({ problem: { kind: 'removed' } });
		// Left the trip's channel, and refuses further edits rather than keeping them unsynced.
		expect(d.client.getChannels().some((c) => c.topic === `realtime:trip:${tripId}`)).toBe(false);
		await expect(d.sync.change<Trip>(tripId, () => {})).rejects.toThrow(/no longer synced/);
	}
	expect(A.getHeads(docOf(a, tripId))).toEqual(A.getHeads(docOf(b, tripId)));
});

test('a member removed while idle learns it from the membership hint alone; unsynced edits stay exportable', async () => {
	const [ana, vic] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Hint only') });
	await a.sync.whenIdle();
	await addMember(api, tripId, vic, 'viewer');
	const v = await startDevice(vic);
	const handle = await v.sync.open<Trip>(tripId);
	await v.sync.whenIdle();
	await eventually(() => v.sync.history().some((r) => r.trigger === 'joined'), 'vic to join the channel');
	// An edit the server refuses (viewer), kept locally: nothing retries it, so no push can reveal the
	// removal below — only the membership hint, checked against the server.
	handle.change((d) => {
		d.items.kept = { name: 'kept for export' };
	});
	await eventually(() => v.sync.state.get().trips[tripId]?.lastError?.kind === 'read-only', 'the read-only refusal');
	const runs = v.sync.history().length;
	const { error } = await ana.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: vic.id });
	expect(error).toBeNull();
	await eventually(
		() => v.sync.state.get().trips[tripId]?.lastError?.kind === 'removed',
		'vic to learn he was removed',
		10_000,
	);
	expect(
		v.sync
			.history()
			.slice(runs)
			.every((r) => r.pushed === 0),
	).toBe(true);
	expect(v.sync.state.get().trips[tripId]!.status).toMatchObject({ problem: { kind: 'removed', pending: 1 } });
	expect(v.client.getChannels().some((c) => c.topic === `realtime:trip:${tripId}`)).toBe(false);
	// The unsynced edit is exported as change bytes another copy of the trip can apply.
	const exported = await v.sync.unsynced(tripId);
	expect(exported).toHaveLength(1);
	const [withIt] = A.applyChanges(A.clone(docOf(a, tripId)), exported);
	expect((withIt as unknown as Trip).items.kept?.name).toBe('kept for export');
	expect((await serverHashes(api, tripId)).size).toBe(hashesOf(docOf(a, tripId)).length);
	expect(hashesOf(docOf(a, tripId)).every((h) => hashesOf(docOf(v, tripId)).includes(h))).toBe(true);
});

test('a removed member’s device, restarted, stays stopped for that trip until the member is added back', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({ init: init('Restarted') });
	await a.sync.whenIdle();
	await addMember(api, tripId, ben, 'editor');
	const first = await startDevice(ben, { scope: 'ben-phone:' });
	await first.sync.open(tripId);
	await first.sync.whenIdle();
	first.sync.setOnline(false);
	await first.sync.change<Trip>(tripId, (d) => {
		d.items.mine = { name: 'unsynced' };
	});
	const { error } = await ana.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: ben.id });
	expect(error).toBeNull();
	first.sync.setOnline(true);
	await eventually(() => first.sync.state.get().trips[tripId]?.lastError?.kind === 'removed', 'ben to be told');
	await stopDevice(first);

	// After a restart the trip opens from IndexedDB, already stopped: no cycle, no channel.
	const second = await startDevice(ben, { scope: 'ben-phone:' });
	await second.sync.open(tripId);
	await second.sync.whenIdle();
	expect(second.sync.state.get().trips[tripId]!.status).toMatchObject({ problem: { kind: 'removed', pending: 1 } });
	expect(second.sync.history()).toEqual([]);
	expect(second.client.getChannels().some((c) => c.topic === `realtime:trip:${tripId}`)).toBe(false);
	expect(await second.sync.unsynced(tripId)).toHaveLength(1);
	await expect(second.sync.change<Trip>(tripId, () => {})).rejects.toThrow(/no longer synced/);
	await stopDevice(second);

	// Added back: the next start syncs again, and the edit kept all along reaches everyone.
	await addMember(api, tripId, ben, 'editor');
	const third = await startDevice(ben, { scope: 'ben-phone:' });
	await third.sync.open(tripId);
	const doc = (await expectConverged(api, tripId, [a, third])) as unknown as Trip;
	expect(doc.items.mine?.name).toBe('unsynced');
});
