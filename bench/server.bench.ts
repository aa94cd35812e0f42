/**
 * The trip log on the server (supabase/migrations/*_trip_log_*.sql), through the unmodified
 * supabase-js against the embedded stack: push throughput, catch-up pull, sync_status.
 *
 *   node --import tsx bench/server.bench.ts
 */
import * as A from '@automerge/automerge';
import type { SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import type { ApiHandle } from '../supabase/local/stack.ts';
import { mintAccessToken, startTestApi, startTestCluster } from '../supabase/local/testing.ts';
import { benchClient, isMain, ms, printFigures, recordSuite, summarize, type Figure } from './lib.ts';

/** An app pushes its outbox in small batches: a debounced edit burst is typically 1–10 changes. */
const PUSH_BATCH = 5;
const PUSH_CALLS_SINGLE = 300;
const PUSH_CLIENTS = 20;
const PUSH_CALLS_PER_CLIENT = 60;
const PULL_CHANGES = 10_000;
const PULL_PAGE = 1000;
const STATUS_TRIPS = 500;
const STATUS_CALLS = 50;

interface BenchUser {
	id: string;
	client: SupabaseClient;
}

/**
 * Counts the bytes of every HTTP response body as sent on the wire (Content-Length: after gzip,
 * which the local API applies as the hosted gateway does).
 */
class WireMeter {
	bytes = 0;
	readonly fetch: typeof fetch = async (input, init) => {
		const res = await fetch(input, init);
		const body = Buffer.from(await res.clone().arrayBuffer());
		const declared = res.headers.get('content-length');
		this.bytes += declared !== null ? Number(declared) : body.length;
		return res;
	};
}

/** A user row and a minted token, as tests/helpers/users.ts makes them (without vitest). */
async function createUser(api: ApiHandle, meter?: WireMeter): Promise<BenchUser> {
	const id = randomUUID();
	await api.pool.query(
		`insert into auth.users (id, aud, role, is_anonymous) values ($1, 'authenticated', 'authenticated', true)`,
		[id],
	);
	const client = benchClient(api.url, api.config.anonKey, mintAccessToken(api, id), meter?.fetch);
	return { id, client };
}

async function rpc<T>(user: BenchUser, fn: string, args?: Record<string, unknown>): Promise<T> {
	const { data, error } = await user.client.rpc(fn, args);
	if (error) throw new Error(`${fn}: ${error.code} ${error.message} ${error.details ?? ''}`);
	return data as T;
}

async function createTrip(user: BenchUser): Promise<string> {
	const tripId = randomUUID();
	await rpc(user, 'create_trip', { p_trip_id: tripId, p_name: 'Bench trip' });
	return tripId;
}

/**
 * A stream of single-field edits of one document, as an app produces them. The first element is
 * the document's initial change: the log is causally closed, so every later edit depends on it.
 */
function editStream(label: string): () => Uint8Array {
	let doc = A.from<{
		items: Record<string, { name: string; qty: number; packed: boolean }>;
	}>({ items: {} });
	let initial: Uint8Array | undefined = A.getLastLocalChange(doc)!;
	const keys: string[] = [];
	let i = 0;
	return () => {
		if (initial) {
			const first = initial;
			initial = undefined;
			return first;
		}
		const n = i++;
		doc = A.change(doc, (d) => {
			if (n % 3 === 0) {
				keys.push(`${label}-${n}`);
				d.items[keys[keys.length - 1]!] = {
					name: `item ${n}`,
					qty: 1,
					packed: false,
				};
			} else {
				const key = keys[n % keys.length]!;
				if (n % 3 === 1) d.items[key]!.qty += 1;
				else d.items[key]!.packed = !d.items[key]!.packed;
			}
		});
		return A.getLastLocalChange(doc)!;
	};
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Prepares every batch first so that only the push itself is timed. */
function batches(calls: number, label: string): string[][] {
	const next = editStream(label);
	return Array.from({ length: calls }, () => Array.from({ length: PUSH_BATCH }, () => b64(next())));
}

async function pushAll(user: BenchUser, tripId: string, prepared: string[][]): Promise<void> {
	for (const batch of prepared) await rpc(user, 'push_changes', { p_trip_id: tripId, p_changes: batch });
}

async function pushThroughput(
	api: ApiHandle,
	clients: number,
	callsPerClient: number,
	sharedTrip: boolean,
): Promise<number> {
	// Made first: seconds of synchronous Automerge work after HTTP calls would leave their idle
	// keep-alive sockets closed by the server but not yet retired by the client (ECONNRESET).
	const prepared = Array.from({ length: clients }, (_, i) => batches(callsPerClient, `c${i}`));
	const users = await Promise.all(Array.from({ length: clients }, () => createUser(api)));
	const shared = sharedTrip ? await createTrip(users[0]!) : undefined;
	if (shared) {
		await api.pool.query(
			`insert into public.trip_members (trip_id, user_id, role) select $1, unnest($2::uuid[]), 'editor' on conflict do nothing`,
			[shared, users.slice(1).map((u) => u.id)],
		);
	}
	const trips = await Promise.all(users.map((u) => shared ?? createTrip(u)));
	// Warm-up: one call per client (connections, plans, schema cache).
	await Promise.all(users.map((u, i) => pushAll(u, trips[i]!, [prepared[i]!.shift()!])));
	const started = performance.now();
	await Promise.all(users.map((u, i) => pushAll(u, trips[i]!, prepared[i]!)));
	const seconds = (performance.now() - started) / 1000;
	return (clients * (callsPerClient - 1) * PUSH_BATCH) / seconds;
}

async function pullCatchUp(api: ApiHandle): Promise<{
	coldMs: number;
	warmMs: number;
	wire: number;
	raw: number;
}> {
	const writer = await createUser(api);
	const tripId = await createTrip(writer);
	const next = editStream('pull');
	let raw = 0;
	for (let done = 0; done < PULL_CHANGES; done += 500) {
		const chunk = Array.from({ length: Math.min(500, PULL_CHANGES - done) }, () => next());
		raw += chunk.reduce((sum, c) => sum + c.length, 0);
		await rpc(writer, 'push_changes', {
			p_trip_id: tripId,
			p_changes: chunk.map(b64),
		});
	}
	const meter = new WireMeter();
	const reader = await createUser(api, meter);
	await api.pool.query(`insert into public.trip_members (trip_id, user_id, role) values ($1, $2, 'viewer')`, [
		tripId,
		reader.id,
	]);

	const pullOnce = async () => {
		meter.bytes = 0;
		const started = performance.now();
		let after = 0;
		let count = 0;
		for (;;) {
			const rows = await rpc<{ seq: number; data: string }[]>(reader, 'pull_changes', {
				p_trip_id: tripId,
				p_after_seq: after,
				p_limit: PULL_PAGE,
			});
			count += rows.length;
			// A page can end early at the byte budget: read on until the known last_seq.
			if (rows.length === 0 || rows[rows.length - 1]!.seq >= PULL_CHANGES) break;
			after = rows[rows.length - 1]!.seq;
		}
		if (count !== PULL_CHANGES) throw new Error(`pulled ${count} of ${PULL_CHANGES}`);
		return performance.now() - started;
	};
	const coldMs = await pullOnce();
	const warm: number[] = [];
	for (let i = 0; i < 5; i++) warm.push(await pullOnce());
	return {
		coldMs,
		warmMs: summarize(warm).p50,
		wire: meter.bytes,
		raw,
	};
}

async function syncStatus(api: ApiHandle): Promise<{ p50: number; p95: number }> {
	const user = await createUser(api);
	const others = await Promise.all([createUser(api), createUser(api)]);
	// 500 trips with three members each and some history, arranged in bulk.
	await api.pool.query(
		`with t as (
		   insert into public.trips (id, owner_id, name, last_seq, snapshot_seq)
		   select gen_random_uuid(), $1, 'Trip ' || g, g * 10, case when g % 2 = 0 then g * 5 end
		   from generate_series(1, $2) g
		   returning id
		 )
		 insert into public.trip_members (trip_id, user_id, role)
		 select t.id, u.user_id, u.role from t cross join (values ($1::uuid, 'owner'), ($3::uuid, 'editor'), ($4::uuid, 'viewer')) as u (user_id, role)`,
		[user.id, STATUS_TRIPS, others[0]!.id, others[1]!.id],
	);
	await api.pool.query('analyze public.trips; analyze public.trip_members');
	const times: number[] = [];
	for (let i = 0; i < STATUS_CALLS + 5; i++) {
		const started = performance.now();
		const rows = await rpc<unknown[]>(user, 'sync_status');
		if (i >= 5) times.push(performance.now() - started);
		if (rows.length !== STATUS_TRIPS) throw new Error(`sync_status returned ${rows.length} rows`);
	}
	return summarize(times);
}

export async function run(): Promise<void> {
	const cluster = await startTestCluster();
	const api = await startTestApi(cluster);
	try {
		const single = await pushThroughput(api, 1, PUSH_CALLS_SINGLE, false);
		const many = await pushThroughput(api, PUSH_CLIENTS, PUSH_CALLS_PER_CLIENT, false);
		const contended = await pushThroughput(api, PUSH_CLIENTS, PUSH_CALLS_PER_CLIENT, true);
		const pull = await pullCatchUp(api);
		const status = await syncStatus(api);
		const ratio = pull.wire / pull.raw;
		const figures: Figure[] = [
			{
				name: `push, 1 client (batches of ${PUSH_BATCH})`,
				value: `${single.toFixed(0)} change sets/s`,
			},
			{
				name: `push, ${PUSH_CLIENTS} clients, own trips (batches of ${PUSH_BATCH})`,
				value: `${many.toFixed(0)} change sets/s`,
				target: '≥ 1000/s',
				met: many >= 1000,
			},
			{
				name: `push, ${PUSH_CLIENTS} clients, one shared trip (batches of ${PUSH_BATCH})`,
				value: `${contended.toFixed(0)} change sets/s`,
				target: '≥ 1000/s',
				met: contended >= 1000,
			},
			{
				name: `pull ${PULL_CHANGES} change sets, first (pages of ${PULL_PAGE})`,
				value: ms(pull.coldMs),
				target: '≤ 500 ms',
				met: pull.coldMs <= 500,
			},
			{
				name: `pull ${PULL_CHANGES} change sets, p50 of 5 more`,
				value: ms(pull.warmMs),
				target: '≤ 500 ms',
				met: pull.warmMs <= 500,
			},
			{
				name: 'pull wire bytes / raw change bytes',
				value: `${(pull.wire / 1024).toFixed(0)} KiB / ${(pull.raw / 1024).toFixed(0)} KiB = ${ratio.toFixed(2)}×`,
				target: '≤ 1.4×',
				met: ratio <= 1.4,
			},

			{
				name: `sync_status, ${STATUS_TRIPS} trips, p50 of ${STATUS_CALLS}`,
				value: ms(status.p50),
				target: '≤ 50 ms',
				met: status.p50 <= 50,
			},
			{
				name: `sync_status, ${STATUS_TRIPS} trips, p95 of ${STATUS_CALLS}`,
				value: ms(status.p95),
			},
		];
		printFigures('Server: trip log (push, pull, sync_status)', figures);
		await recordSuite('server', {
			push_1_client_changes_per_s: single,
			[`push_${PUSH_CLIENTS}_clients_own_trips_changes_per_s`]: many,
			[`push_${PUSH_CLIENTS}_clients_shared_trip_changes_per_s`]: contended,
			pull_cold_ms: pull.coldMs,
			pull_warm_p50_ms: pull.warmMs,
			pull_wire_bytes: pull.wire,
			pull_raw_bytes: pull.raw,
			pull_wire_to_raw_ratio: ratio,
			sync_status_p50_ms: status.p50,
			sync_status_p95_ms: status.p95,
		});
	} finally {
		await api.close();
		await cluster.stop();
	}
}

if (isMain(import.meta.url)) {
	run().then(
		() => process.exit(0),
		(err: unknown) => {
			console.error(err);
			process.exit(1);
		},
	);
}
