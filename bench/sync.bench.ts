/**
 * `npm run bench -- sync`: the sync engine against automerge-repo 2.5.6 with its own WebSocket
 * sync server (the peer), same machine, same edits, same run; every figure beside the peer's.
 *
 *   node --import tsx bench/sync.bench.ts
 */
import * as A from '@automerge/automerge';
import type { DocHandle } from '@automerge/automerge-repo';
import { randomUUID } from 'node:crypto';
import { supabaseTripServer } from '../src/lib/sync/index.ts';
import { GENESIS_CHANGE } from '../src/lib/trip/genesis.ts';
import type { TripDoc } from '../src/lib/trip/schema.ts';
import { startTestApi, startTestCluster } from '../supabase/local/testing.ts';
import type { ApiHandle } from '../supabase/local/stack.ts';
import { isMain, ms, printFigures, recordSuite, summarize, type Figure } from './lib.ts';
import { remoteEdits, sleep, until } from './sync/fixtures.ts';
import { peerOpen } from './sync/open.ts';
import { addMember, device, person } from './sync/ours.ts';
import { liveEdits } from './sync/live.ts';
import { headsOf, serverTrip, startPeer } from './sync/peer.ts';
import { threadedLiveEdits } from './sync/threads.ts';

const EDITS_2C = Number(process.env.SYNC_BENCH_EDITS ?? 40);
const CLIENTS_10C = 10;
const RATE_10C = 5; // edits/s per client
const OPEN_ITEMS = 1000;
const OPEN_CHANGES = Number(process.env.SYNC_BENCH_OPEN_CHANGES ?? 20_000);
const SECONDS_10C = Number(process.env.SYNC_BENCH_LIVE_SECONDS ?? 4);
const CATCH_UP = Number(process.env.SYNC_BENCH_CATCH_UP ?? 10_000);
/**
 * SYNC_BENCH_THREADS=1 runs each of the 10 clients in its own worker thread (as separate devices
 * would be); the default keeps them in this process. On this 2-core machine the threads compete
 * with Postgres for the cores, which slowed our clients (~2.4×) and not the peer's (no database).
 */
const THREADS = process.env.SYNC_BENCH_THREADS === '1';

type Results = Record<string, number>;

/** Resolves with the time `handle`'s document first satisfies `has`. */
function arrival(handle: DocHandle<TripDoc>, has: (d: TripDoc) => boolean): Promise<number> {
	return new Promise((resolve) => {
		const check = () => {
			if (has(handle.doc() as TripDoc)) {
				handle.off('change', check);
				resolve(performance.now());
			}
		};
		handle.on('change', check);
	});
}

const item = (i: number) => ({
	name: `Edit ${i}`,
	categoryId: 'uncategorized:',
	owner: 'shared',
	quantity: 1,
	notes: '',
	packed: {},
	createdBy: null,
	createdAt: 0,
});

async function oursRemoteEdit(api: ApiHandle, r: Results) {
	const [ana, ben] = [await person(api), await person(api)];
	const a = await device(ana);
	const b = await device(ben);
	const tripId = await a.createTrip<TripDoc>({ init: (d) => void (d.meta.name = 'Bench') });
	await a.whenIdle();
	await addMember(api, tripId, ben.id);
	const hb = await b.open<TripDoc>(tripId);
	await b.whenIdle();
	await sleep(300); // the channel joined
	const samples: number[] = [];
	for (let i = 0; i < EDITS_2C; i++) {
		const key = `e${i}`;
		const arrived = arrival(hb, (d) => !!d.items?.[key]);
		const t0 = performance.now();
		await a.change<TripDoc>(tripId, (d) => void (d.items[key] = item(i) as never));
		samples.push((await arrived) - t0);
		await sleep(50);
	}
	const s = summarize(samples);
	r.remote_edit_2c_p50_ms = s.p50;
	r.remote_edit_2c_p95_ms = s.p95;
	await Promise.all([a.shutdown(), b.shutdown()]);
}

async function peerRemoteEdit(r: Results) {
	const world = await startPeer();
	const ca = await world.client();
	const cb = await world.client();
	const ha = ca.import<TripDoc>(A.save(A.loadIncremental(A.init<TripDoc>(), GENESIS_CHANGE)));
	ha.change((d) => void (d.meta.name = 'Bench'));
	const hb = await cb.find<TripDoc>(ha.url);
	await until(() => headsOf(hb) === headsOf(ha), 'the peer to share the doc');
	const samples: number[] = [];
	for (let i = 0; i < EDITS_2C; i++) {
		const key = `e${i}`;
		const arrived = arrival(hb, (d) => !!d.items?.[key]);
		const t0 = performance.now();
		ha.change((d) => void (d.items[key] = item(i) as never));
		samples.push((await arrived) - t0);
		await sleep(50);
	}
	const s = summarize(samples);
	r.peer_remote_edit_2c_p50_ms = s.p50;
	r.peer_remote_edit_2c_p95_ms = s.p95;
	await world.close();
}

/** SYNC_BENCH_THREADS=1: 10 clients, each in its own worker thread, the server here. */
async function oursRemoteEdit10(api: ApiHandle, r: Results) {
	const samples = await threadedLiveEdits({
		clients: CLIENTS_10C,
		rate: RATE_10C,
		seconds: SECONDS_10C,
		init: { engine: 'ours', apiUrl: api.url, anonKey: api.config.anonKey },
		beforeShare: async (userIds, tripId) => {
			for (const id of userIds) await addMember(api, tripId, id);
		},
	});
	const s = summarize(samples);
	r.remote_edit_10c_p50_ms = s.p50;
	r.remote_edit_10c_p95_ms = s.p95;
}

/** The same with the peer: its clients in worker threads, its sync server here. */
async function peerRemoteEdit10(r: Results) {
	const world = await startPeer();
	try {
		const samples = await threadedLiveEdits({
			clients: CLIENTS_10C,
			rate: RATE_10C,
			seconds: SECONDS_10C,
			init: { engine: 'peer', url: world.url },
		});
		const s = summarize(samples);
		r.peer_remote_edit_10c_p50_ms = s.p50;
		r.peer_remote_edit_10c_p95_ms = s.p95;
	} finally {
		await world.close();
	}
}

/** The 10 clients in this process, beside the server (the default). */
async function oursRemoteEdit10InProcess(api: ApiHandle, r: Results) {
	const people = await Promise.all(Array.from({ length: CLIENTS_10C }, () => person(api)));
	const devices = await Promise.all(people.map((p) => device(p)));
	const tripId = await devices[0]!.createTrip<TripDoc>({ init: (d) => void (d.meta.name = 'Bench') });
	await devices[0]!.whenIdle();
	for (const p of people.slice(1)) await addMember(api, tripId, p.id);
	const handles = await Promise.all(devices.map((d) => d.open<TripDoc>(tripId)));
	await Promise.all(devices.map((d) => d.whenIdle()));
	await sleep(500); // the channels joined
	const samples = await liveEdits(
		devices.map((d, i) => ({
			handle: handles[i]!,
			edit: (key: string) => d.change<TripDoc>(tripId, (doc) => void (doc.items[key] = item(0) as never)),
		})),
		RATE_10C,
		SECONDS_10C,
	);
	const s = summarize(samples);
	r.remote_edit_10c_p50_ms = s.p50;
	r.remote_edit_10c_p95_ms = s.p95;
	await Promise.all(devices.map((d) => d.shutdown()));
}

async function peerRemoteEdit10InProcess(r: Results) {
	const world = await startPeer();
	const repos = await Promise.all(Array.from({ length: CLIENTS_10C }, () => world.client()));
	const first = repos[0]!.import<TripDoc>(A.save(A.loadIncremental(A.init<TripDoc>(), GENESIS_CHANGE)));
	first.change((d) => void (d.meta.name = 'Bench'));
	const handles = [first, ...(await Promise.all(repos.slice(1).map((c) => c.find<TripDoc>(first.url))))];
	await until(() => handles.every((h) => headsOf(h) === headsOf(first)), 'the peer clients to share the doc');
	const samples = await liveEdits(
		handles.map((h) => ({ handle: h, edit: (key: string) => h.change((d) => void (d.items[key] = item(0) as never)) })),
		RATE_10C,
		SECONDS_10C,
	);
	const s = summarize(samples);
	r.peer_remote_edit_10c_p50_ms = s.p50;
	r.peer_remote_edit_10c_p95_ms = s.p95;
	await world.close();
}

/** The writer is a plain script, not the engine: it retries a reset connection itself. */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await fn();
		} catch (e) {
			if (attempt >= 3) throw e;
			await sleep(100);
		}
	}
}

/** A trip whose log holds the genesis and `changes`, written by a writer straight through the API. */
async function loggedTrip(api: ApiHandle, changes: Uint8Array[], snapshotOf?: A.Doc<TripDoc>) {
	const writer = await person(api);
	const server = supabaseTripServer(writer.client);
	const tripId = randomUUID();
	await retried(() => server.createTrip(tripId, 'Bench'));
	const all = [GENESIS_CHANGE, ...changes];
	for (let i = 0; i < all.length; i += 1000) await retried(() => server.push(tripId, all.slice(i, i + 1000)));
	if (snapshotOf) await server.putSnapshot(tripId, all.length, A.save(snapshotOf));
	return { tripId, writer, server };
}

async function oursCatchUp(api: ApiHandle, r: Results) {
	const { doc, changes } = remoteEdits(CATCH_UP, 500);
	// The writer's engine would have uploaded a snapshot (every 500 changes); so does this writer.
	const { tripId, server } = await loggedTrip(api, changes, doc);
	const ben = await person(api);
	await addMember(api, tripId, ben.id);
	const b = await device(ben);
	ben.meter.reset();
	let t0 = performance.now();
	await b.open(tripId);
	await b.whenIdle();
	r.catchup_10k_new_ms = performance.now() - t0;
	r.catchup_10k_new_bytes = ben.meter.total;

	b.setOnline(false);
	const more = remoteEdits(CATCH_UP, 500, doc);
	for (let i = 0; i < more.changes.length; i += 1000)
		await retried(() => server.push(tripId, more.changes.slice(i, i + 1000)));
	await retried(() => server.putSnapshot(tripId, 1 + 2 * CATCH_UP, A.save(more.doc)));
	await sleep(300);
	ben.meter.reset();
	t0 = performance.now();
	b.setOnline(true);
	await b.whenIdle();
	r.catchup_10k_returning_ms = performance.now() - t0;
	r.catchup_10k_returning_bytes = ben.meter.total;
	await b.shutdown();
}

async function peerCatchUp(r: Results) {
	const { doc, changes } = remoteEdits(CATCH_UP, 500);
	void changes;
	const world = await startPeer();
	const docId = serverTrip(world, doc);
	const cb = await world.client();
	world.meter.reset();
	let t0 = performance.now();
	const hb = await cb.find<TripDoc>(docId);
	const want = [...A.getHeads(doc)].sort().join();
	await until(() => headsOf(hb) === want, 'the new peer device to catch up');
	r.peer_catchup_10k_new_ms = performance.now() - t0;
	r.peer_catchup_10k_new_bytes = world.meter.total;

	// Returning: the device kept its copy; the server got 10,000 more changes meanwhile.
	const saved = A.save(hb.doc() as A.Doc<TripDoc>);
	await world.drop(cb);
	const more = remoteEdits(CATCH_UP, 500, doc);
	const sh = await world.server.find<TripDoc>(docId);
	sh.update((d) => A.applyChanges(d, more.changes)[0]);
	const want2 = [...A.getHeads(more.doc)].sort().join();
	world.meter.reset();
	t0 = performance.now();
	const cb2 = await world.client();
	const hb2 = cb2.import<TripDoc>(saved, { docId });
	await until(() => headsOf(hb2) === want2, 'the returning peer device to catch up');
	r.peer_catchup_10k_returning_ms = performance.now() - t0;
	r.peer_catchup_10k_returning_bytes = world.meter.total;
	await world.close();
}

async function open20k(api: ApiHandle, r: Results) {
	const { doc, changes } = remoteEdits(OPEN_CHANGES, OPEN_ITEMS);
	const { tripId } = await loggedTrip(api, changes, doc);
	const ben = await person(api);
	await addMember(api, tripId, ben.id);
	const scope = 'open20k:';
	let t0 = performance.now();
	const b = await device(ben, scope);
	await b.open(tripId);
	await b.whenIdle();
	r.open_20k_new_device_ms = performance.now() - t0;
	await b.shutdown();
	// The same device restarted: the engine and the trip from IndexedDB, readable (sync aside).
	t0 = performance.now();
	const again = await device(ben, scope);
	const h = await again.open<TripDoc>(tripId);
	const items = Object.keys(h.doc()?.items ?? {}).length;
	r.open_20k_indexeddb_ms = performance.now() - t0;
	if (items !== OPEN_ITEMS) throw new Error(`reopened trip has ${items} items, not ${OPEN_ITEMS}`);
	await again.whenIdle();
	await again.shutdown();
	const peer = await peerOpen(doc);
	r.peer_open_20k_new_device_ms = peer.newDeviceMs;
	r.peer_open_20k_indexeddb_ms = peer.indexedDbMs;
}

async function oursThreeTabs(api: ApiHandle, r: Results) {
	const ana = await person(api);
	const tabs = [await device(ana, 'tabs:'), await device(ana, 'tabs:'), await device(ana, 'tabs:')];
	const tripId = await tabs[0]!.createTrip<TripDoc>({ init: (d) => void (d.meta.name = 'Tabs') });
	await tabs[0]!.whenIdle();
	for (const t of tabs.slice(1)) await t.open(tripId);
	await Promise.all(tabs.map((t) => t.whenIdle()));
	const before = tabs.reduce((n, t) => n + t.history().reduce((m, h) => m + h.pushCalls, 0), 0);
	for (let i = 0; i < 3; i++) await tabs[0]!.change<TripDoc>(tripId, (d) => void (d.items[`t${i}`] = item(i) as never));
	await sleep(500);
	await Promise.all(tabs.map((t) => t.whenIdle()));
	const after = tabs.reduce((n, t) => n + t.history().reduce((m, h) => m + h.pushCalls, 0), 0);
	// One edit batch (three quick edits, coalesced behind the leading-edge push): at most 2 writes.
	r.server_writes_per_batch_3_tabs = after - before;
	await Promise.all(tabs.map((t) => t.shutdown()));
}

function figures(r: Results): Figure[] {
	const row = (name: string, unit: 'ms' | 'B', target?: number): Figure[] => {
		const ours = r[name];
		const peer = r[`peer_${name}`];
		const fmt = (x: number | undefined) => (x === undefined ? 'n/a' : unit === 'ms' ? ms(x) : `${Math.round(x)} B`);
		return [
			{
				name,
				value: `${fmt(ours)}  (peer ${fmt(peer)})`,
				...(target !== undefined && ours !== undefined
					? { target: `≤ ${unit === 'ms' ? ms(target) : `${Math.round(target)} B`}`, met: ours <= target }
					: {}),
			},
		];
	};
	const peerBytes = (n: string) => (r[`peer_${n}`] ?? Infinity) * 1.2;
	return [
		...row('remote_edit_2c_p50_ms', 'ms', 30),
		...row('remote_edit_2c_p95_ms', 'ms', 80),
		...row('remote_edit_10c_p50_ms', 'ms', 30),
		...row('remote_edit_10c_p95_ms', 'ms', 80),
		...row('catchup_10k_new_ms', 'ms', 500),
		...row('catchup_10k_new_bytes', 'B', peerBytes('catchup_10k_new_bytes')),
		...row('catchup_10k_returning_ms', 'ms', 500),
		...row('catchup_10k_returning_bytes', 'B', peerBytes('catchup_10k_returning_bytes')),
		...row('open_20k_new_device_ms', 'ms', 400),
		...row('open_20k_indexeddb_ms', 'ms', 200),
		{
			name: 'server_writes_per_batch_3_tabs',
			value: String(r.server_writes_per_batch_3_tabs ?? 'n/a'),
			target: '1',
			met: r.server_writes_per_batch_3_tabs === 1,
		},
	];
}

export async function run(): Promise<void> {
	const cluster = await startTestCluster();
	const api = await startTestApi(cluster);
	const r: Results = {};
	try {
		for (const [what, step] of [
			['remote edit, 2 clients', () => oursRemoteEdit(api, r)],
			['peer remote edit, 2 clients', () => peerRemoteEdit(r)],
			['remote edit, 10 clients', () => (THREADS ? oursRemoteEdit10(api, r) : oursRemoteEdit10InProcess(api, r))],
			['peer remote edit, 10 clients', () => (THREADS ? peerRemoteEdit10(r) : peerRemoteEdit10InProcess(r))],
			['catch-up', () => oursCatchUp(api, r)],
			['peer catch-up', () => peerCatchUp(r)],
			['open 20k (ours and peer)', () => open20k(api, r)],
			['three tabs', () => oursThreeTabs(api, r)],
		] as const) {
			const t0 = performance.now();
			await step();
			console.error(`sync bench: ${what} done in ${ms(performance.now() - t0)}`);
		}
	} finally {
		await api.close();
		await cluster.stop();
	}
	printFigures('sync (ours beside automerge-repo 2.5.6 + its WebSocket sync server)', figures(r));
	await recordSuite('sync', r);
}

if (isMain(import.meta.url)) await run();
