import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { joinTripChannel, sleep } from '../server/helpers.ts';
import {
	addMember,
	docOf,
	eventually,
	expectConverged,
	signIn,
	startDevice,
	stopAllDevices,
	type Device,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

async function setup() {
	const [ana, mallory] = await Promise.all([signIn(api), signIn(api)]);
	const a = await startDevice(ana);
	const tripId = await a.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Hints';
		},
	});
	await a.sync.whenIdle();
	// An editor of the trip who broadcasts forged hints on its channel (editors may broadcast).
	await addMember(api, tripId, mallory, 'editor');
	const { channel, status } = await joinTripChannel(mallory.client, tripId);
	expect(status).toBe('SUBSCRIBED');
	// The device's own channel must be joined before hints can reach it.
	await eventually(() => a.sync.history().some((r) => r.trigger === 'joined'), 'ana’s device to join the channel');
	await a.sync.whenIdle();
	const forge = (payload: Record<string, unknown>) =>
		channel.send({ type: 'broadcast', event: 'changes', payload: { trip_id: tripId, ...payload } });
	return { a, tripId, forge, mallory, channel };
}

const runsOf = (d: Device, trigger: string) => d.sync.history().filter((r) => r.trigger === trigger);

/** No two sync cycles of a trip overlap in time. */
function expectOneAtATime(d: Device) {
	const runs = [...d.sync.history()].sort((x, y) => x.startedAt - y.startedAt);
	for (let i = 1; i < runs.length; i++)
		expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(runs[i - 1]!.startedAt + runs[i - 1]!.durationMs - 1);
}

test('duplicate and stale hints (at or behind the cursor) start no pull', async () => {
	const { a, tripId, forge } = await setup();
	const before = a.sync.history().length;
	const { rows } = await api.pool.query('select last_seq from public.trips where id = $1', [tripId]);
	const lastSeq = Number(rows[0].last_seq);
	for (let i = 0; i < 20; i++) await forge({ from_seq: 1, to_seq: lastSeq - (i % 2), hashes: [] });
	await sleep(500);
	expect(a.sync.history().length).toBe(before);
});

test('a flood of forged hints costs one pull at a time, coalesced, and changes nothing', async () => {
	const { a, tripId, forge } = await setup();
	const doc = JSON.stringify(docOf(a, tripId));
	for (let i = 0; i < 300; i++) void forge({ from_seq: 1e9, to_seq: 1e9 + i, hashes: ['00'.repeat(32)] });
	await sleep(1500);
	await a.sync.whenIdle();
	const hintRuns = runsOf(a, 'hint');
	expect(hintRuns.length).toBeGreaterThan(0);
	// Coalescing: far fewer pulls than hints.
	expect(hintRuns.length).toBeLessThan(60);
	expectOneAtATime(a);
	expect(JSON.stringify(docOf(a, tripId))).toBe(doc);
	expect(hintRuns.every((r) => r.pulled === 0 && r.outcome === 'ok')).toBe(true);
});

test('two quick edits in a row: however their hints interleave with the pulls, both arrive', async () => {
	const { a, tripId, mallory } = await setup();
	const m = await startDevice(mallory);
	await m.sync.open(tripId);
	await m.sync.whenIdle();
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.one = { name: 'one' };
	});
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.two = { name: 'two' };
	});
	await eventually(() => (docOf(m, tripId) as unknown as Trip).items?.two, 'both edits on the other device');
	await expectConverged(api, tripId, [a, m]);
});

test('forged membership hints are checked against the server: a member who still belongs keeps syncing', async () => {
	const { a, tripId, channel } = await setup();
	for (const action of ['removed', 'deleted', 'removed'])
		await channel.send({
			type: 'broadcast',
			event: 'membership',
			payload: { trip_id: tripId, action, user_id: a.person.id, role: null },
		});
	await eventually(() => runsOf(a, 'membership').length > 0, 'the membership hints to be checked');
	await a.sync.whenIdle();
	expect(a.sync.state.get().trips[tripId]).toMatchObject({ status: { kind: 'synced' }, role: 'owner' });
	// Still syncing: a later edit reaches the log.
	await a.sync.change<Trip>(tripId, (d) => {
		d.items.after = { name: 'after the forged hints' };
	});
	await expectConverged(api, tripId, [a]);
});

test('reordered and duplicated hints of real pushes: every change arrives once', async () => {
	const { a, tripId, mallory, forge } = await setup();
	const m = await startDevice(mallory);
	await m.sync.open(tripId);
	await m.sync.whenIdle();
	const { rows } = await api.pool.query('select last_seq from public.trips where id = $1', [tripId]);
	const base = Number(rows[0].last_seq);
	m.sync.setOnline(false);
	for (const k of [1, 2, 3])
		await m.sync.change<Trip>(tripId, (d) => {
			d.items[`m${k}`] = { name: `from mallory ${k}` };
		});
	m.sync.setOnline(true);
	// Hints for the three seqs, newest first and each twice, beside the server's own.
	for (const s of [3, 2, 1, 3, 1, 2]) await forge({ from_seq: base + s, to_seq: base + s, hashes: [] });
	await eventually(
		() => ['m1', 'm2', 'm3'].every((k) => (docOf(a, tripId) as unknown as Trip).items?.[k]),
		'all three of mallory’s edits on ana’s device',
	);
	await expectConverged(api, tripId, [a, m]);
	const { rows: counts } = await api.pool.query(
		'select count(*)::int as n, count(distinct hash)::int as d from public.trip_changes where trip_id = $1',
		[tripId],
	);
	expect(counts[0].n).toBe(counts[0].d);
});
