/**
 * `npm run bench -- sw`: the service worker's figures (issue 13). There is no peer for these;
 * each is printed beside its target.
 *
 * - precache_bytes / precache_gzip_bytes: every entry of the built worker's precache list (a
 *   production build into a temp dir), raw and gzip -9.
 * - periodic_catchup_50x200_ms: in Chromium (bench/sw-browser.ts), the built app's worker woken by
 *   CDP's dispatchPeriodicSyncEvent pulls 50 trips × 200 new change sets each into IndexedDB;
 *   the run's duration as the worker recorded it.
 * - sync_event_to_commit_100_ms: in Chromium, from CDP's dispatchSyncEvent with 100 change sets
 *   in the outbox to all 100 being in the server's log (polled in Postgres every 10 ms).
 * - *_node_ms: the same handler code (runBackground) in Node with fake-indexeddb, for comparison.
 *
 *   node --import tsx bench/sw.bench.ts
 */
import 'fake-indexeddb/auto';
import * as A from '@automerge/automerge';
import { randomUUID } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runBackground } from '../src/lib/sync/background.ts';
import { openIndexedDbSyncStore, supabaseTripServer, type OutboxEntry } from '../src/lib/sync/index.ts';
import { startTestApi, startTestCluster } from '../supabase/local/testing.ts';
import type { ApiHandle } from '../supabase/local/stack.ts';
import { buildApp } from '../tests/setup/e2e.ts';
import { isMain, ms, printFigures, recordSuite } from './lib.ts';
import { browserFigures } from './sw-browser.ts';
import { addMember, person } from './sync/ours.ts';

const TRIPS = 50;
const CHANGES = 200;
const PENDING = 100;
const MB = 1024 * 1024;

type Results = Record<string, number>;

/** The precache list the build injected into service-worker.js, resolved to files in `root`. */
async function precacheSizes(root: string, r: Results): Promise<void> {
	const worker = await readFile(join(root, 'service-worker.js'), 'utf8');
	const entries = [...worker.matchAll(/\{"revision":(?:"[^"]*"|null),"url":"([^"]*)"\}/g)].map((m) => m[1]!);
	if (entries.length === 0) throw new Error('no precache list found in service-worker.js');
	let raw = 0;
	let gz = 0;
	for (const url of entries) {
		// Prerendered pages are listed by route ("/" is index.html, "settings" is settings.html).
		const path = url === '/' || url === '' ? 'index.html' : /\.[a-z0-9]+$/i.test(url) ? url : `${url}.html`;
		const bytes = await readFile(join(root, path));
		raw += bytes.byteLength;
		gz += gzipSync(bytes, { level: 9 }).byteLength;
	}
	r.precache_entries = entries.length;
	r.precache_bytes = raw;
	r.precache_gzip_bytes = gz;
}

/** 200 change sets by one actor on a fresh document, each one a small edit. */
function changeSets(n: number, actor?: string): Uint8Array[] {
	let doc = A.init<{ items: Record<string, { name: string }> }>(actor ? { actor } : undefined);
	doc = A.change(doc, (d) => void (d.items = {}));
	for (let i = 1; i < n; i++) doc = A.change(doc, (d) => void (d.items[`i${i}`] = { name: `Item ${i}` }));
	return A.getAllChanges(doc);
}

async function catchup(api: ApiHandle, r: Results): Promise<void> {
	const [author, reader] = [await person(api), await person(api)];
	const server = supabaseTripServer(author.client);
	for (let t = 0; t < TRIPS; t++) {
		const tripId = randomUUID();
		await server.createTrip(tripId, `Trip ${t}`);
		const changes = changeSets(CHANGES);
		for (let i = 0; i < changes.length; i += 100) await server.push(tripId, changes.slice(i, i + 100));
		await addMember(api, tripId, reader.id);
	}
	const t0 = performance.now();
	const result = await runBackground('catchup', { client: reader.client, post: () => {}, scope: 'bench-sw:' });
	r.periodic_catchup_50x200_node_ms = performance.now() - t0;
	const pulled = result.trips.reduce((n, t) => n + t.pulled, 0);
	if (pulled !== TRIPS * CHANGES || result.trips.some((t) => t.error))
		throw new Error(
			`catch-up pulled ${pulled} of ${TRIPS * CHANGES}: ${JSON.stringify(result.trips.find((t) => t.error))}`,
		);
}

async function pushPending(api: ApiHandle, r: Results): Promise<void> {
	const writer = await person(api);
	const server = supabaseTripServer(writer.client);
	const tripId = randomUUID();
	await server.createTrip(tripId, 'Pending');
	const scope = 'bench-sw-push:';
	const store = await openIndexedDbSyncStore(writer.id, { scope });
	const actor = A.getActorId(A.init());
	await store.addActor(actor);
	await store.updateTrip(tripId, { serverCreated: true, serverName: 'Pending' });
	const entries: OutboxEntry[] = changeSets(PENDING, actor).map((bytes) => {
		const c = A.decodeChange(bytes);
		return { hash: c.hash!, actor: c.actor, seq: c.seq, deps: c.deps, bytes };
	});
	await store.addToOutbox(tripId, entries);
	store.close();
	const t0 = performance.now();
	const result = await runBackground('push', { client: writer.client, post: () => {}, scope });
	r.sync_event_to_commit_100_node_ms = performance.now() - t0;
	const rows = await api.pool.query('select count(*) from public.trip_changes where trip_id = $1', [tripId]);
	if (Number(rows.rows[0].count) !== PENDING || result.trips[0]?.pushed !== PENDING)
		throw new Error(`push committed ${rows.rows[0].count} of ${PENDING}`);
}

export async function run(): Promise<void> {
	const r: Results = {};
	const work = await mkdtemp(join(tmpdir(), 'tripmate-sw-bench-'));
	const cluster = await startTestCluster();
	const api = await startTestApi(cluster);
	try {
		await buildApp(work, api.url, api.config.anonKey);
		await precacheSizes(join(work, 'build'), r);
		const browser = await browserFigures(api, join(work, 'build'), work, {
			trips: TRIPS,
			changes: CHANGES,
			pending: PENDING,
		});
		r.periodic_catchup_50x200_ms = browser.catchupMs;
		r.sync_event_to_commit_100_ms = browser.pushMs;
		await catchup(api, r);
		await pushPending(api, r);
	} finally {
		await api.close();
		await cluster.stop();
		await rm(`.svelte-kit-${basename(work)}`, { recursive: true, force: true });
		await rm(work, { recursive: true, force: true });
	}
	printFigures('sw (service worker: precache, background handlers; no peer)', [
		{ name: 'precache_entries', value: String(r.precache_entries) },
		{ name: 'precache_bytes', value: `${r.precache_bytes} B (${(r.precache_bytes! / MB).toFixed(2)} MiB)` },
		{
			name: 'precache_gzip_bytes',
			value: `${r.precache_gzip_bytes} B (${(r.precache_gzip_bytes! / MB).toFixed(2)} MiB)`,
			target: '≤ 1.6 MB',
			met: r.precache_gzip_bytes! <= 1.6e6,
		},
		{
			name: 'periodic_catchup_50x200_ms',
			value: ms(r.periodic_catchup_50x200_ms!),
			target: '≤ 5000 ms',
			met: r.periodic_catchup_50x200_ms! <= 5000,
		},
		{
			name: 'sync_event_to_commit_100_ms',
			value: ms(r.sync_event_to_commit_100_ms!),
			target: '≤ 1000 ms',
			met: r.sync_event_to_commit_100_ms! <= 1000,
		},
		{
			name: 'periodic_catchup_50x200_node_ms',
			value: ms(r.periodic_catchup_50x200_node_ms!),
			target: '≤ 5000 ms',
			met: r.periodic_catchup_50x200_node_ms! <= 5000,
		},
		{
			name: 'sync_event_to_commit_100_node_ms',
			value: ms(r.sync_event_to_commit_100_node_ms!),
			target: '≤ 1000 ms',
			met: r.sync_event_to_commit_100_node_ms! <= 1000,
		},
	]);
	await recordSuite('sw', r);
}

if (isMain(import.meta.url)) await run();
