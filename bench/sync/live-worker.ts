/**
 * One live-editing client in its own worker thread (bench/sync/threads.ts starts them): a device
 * is its own machine, so the clients must not queue behind each other (and behind the server) on
 * one event loop. The same worker runs either engine, so both are measured the same way.
 *
 * Protocol (main → worker): init → { ready, userId? }; create → { created, tripId | url };
 * open { trip, heads? } → { opened, heads }; go { index, clients, rate, seconds } → { done, sent,
 * arrived }; stop → { stopped }. Times are process-wide monotonic ms (hrtime), comparable across threads.
 */
import 'fake-indexeddb/auto';
import * as A from '@automerge/automerge';
import { Repo, type AutomergeUrl, type DocHandle } from '@automerge/automerge-repo';
import { WebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import { createClient } from '@supabase/supabase-js';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { supabaseTripServer, TripSync } from '../../src/lib/sync/index.ts';
import { GENESIS_CHANGE } from '../../src/lib/trip/genesis.ts';
import type { TripDoc } from '../../src/lib/trip/schema.ts';
import { sleep, until } from './fixtures.ts';
import { now, type WorkerInit } from './threads.ts';

const item = () => ({
	name: 'Edit',
	categoryId: 'uncategorized:',
	owner: 'shared',
	quantity: 1,
	notes: '',
	packed: {},
	createdBy: null,
	createdAt: 0,
});

interface Client {
	userId?: string;
	create(): Promise<string>;
	open(trip: string): Promise<DocHandle<TripDoc>>;
	edit(key: string): unknown;
	stop(): Promise<void>;
	/** What the engine did meanwhile (ours: sync runs and their errors), for a bench reader. */
	diag?(): Record<string, unknown>;
}

async function oursClient(apiUrl: string, anonKey: string): Promise<Client> {
	const supabase = createClient(apiUrl, anonKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		realtime: { transport: WebSocket as never },
	});
	const { data, error } = await supabase.auth.signInAnonymously();
	if (error || !data.user) throw new Error(`sign-in: ${error?.message}`);
	const timing: Record<string, { n: number; ms: number }> = {};
	const server = supabaseTripServer(supabase);
	if (process.env.SYNC_BENCH_DIAG)
		for (const [name, fn] of Object.entries(server) as [string, (...a: unknown[]) => unknown][]) {
			if (name === 'hints') continue;
			(server as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
				const t0 = now();
				try {
					return await fn(...args);
				} finally {
					const t = (timing[name] ??= { n: 0, ms: 0 });
					t.n++;
					t.ms += now() - t0;
				}
			};
		}
	const sync = await TripSync.start({
		userId: data.user.id,
		server,
		intervalMs: 0,
		storage: null,
		windowEvents: false,
		retry: { baseMs: 50, capMs: 1000 },
	});
	let tripId = '';
	return {
		userId: data.user.id,
		async create() {
			tripId = await sync.createTrip<TripDoc>({ init: (d) => void (d.meta.name = 'Bench') });
			await sync.whenIdle();
			return tripId;
		},
		async open(trip) {
			tripId = trip;
			const h = await sync.open<TripDoc>(trip);
			await sync.whenIdle();
			return h;
		},
		edit: (key) => sync.change<TripDoc>(tripId, (d) => void (d.items[key] = item() as never)),
		stop: () => sync.shutdown(),
		diag: () => {
			const runs = sync.history();
			const errors = runs.filter((r) => r.outcome === 'error');
			const cycleMs = runs.reduce((n, r) => n + r.durationMs, 0);
			return { runs: runs.length, cycleMs, errors: errors.length, firstError: errors[0]?.error ?? null, timing };
		},
	};
}

async function peerClient(url: string): Promise<Client> {
	const adapter = new WebSocketClientAdapter(url);
	const repo = new Repo({ network: [adapter] });
	await adapter.whenReady();
	let handle: DocHandle<TripDoc> | null = null;
	return {
		async create() {
			handle = repo.import<TripDoc>(A.save(A.loadIncremental(A.init<TripDoc>(), GENESIS_CHANGE)));
			handle.change((d) => void (d.meta.name = 'Bench'));
			return handle.url;
		},
		async open(trip) {
			handle ??= await repo.find<TripDoc>(trip as AutomergeUrl);
			return handle;
		},
		edit: (key) => handle!.change((d) => void (d.items[key] = item() as never)),
		stop: () => repo.shutdown(),
	};
}

const headsOf = (h: DocHandle<unknown>) => [...A.getHeads(h.doc() as A.Doc<unknown>)].sort().join();

async function main() {
	const init = workerData as WorkerInit;
	const client = init.engine === 'ours' ? await oursClient(init.apiUrl, init.anonKey) : await peerClient(init.url);
	let handle: DocHandle<TripDoc> | null = null;
	const port = parentPort!;
	port.on('message', (m: { kind: string; [k: string]: unknown }) => {
		void (async () => {
			if (m.kind === 'create') {
				const trip = await client.create();
				handle = await client.open(trip);
				port.postMessage({ kind: 'created', trip, heads: headsOf(handle) });
			} else if (m.kind === 'open') {
				handle ??= await client.open(m.trip as string);
				const h = handle;
				if (typeof m.heads === 'string') await until(() => headsOf(h) === m.heads, 'the shared doc');
				port.postMessage({ kind: 'opened', heads: headsOf(h) });
			} else if (m.kind === 'go') {
				const result = await live(client, handle!, m as never);
				port.postMessage({ kind: 'done', ...result, diag: client.diag?.() ?? null });
			} else if (m.kind === 'stop') {
				await client.stop();
				port.postMessage({ kind: 'stopped' });
			}
		})().catch((e: unknown) => port.postMessage({ kind: 'error', message: e instanceof Error ? e.stack : String(e) }));
	});
	port.postMessage({ kind: 'ready', userId: client.userId });
}

/**
 * This client edits at `rate` edits/s for `seconds` (staggered by its index) and records when
 * every other client's edit first appears in its document.
 */
async function live(
	client: Client,
	handle: DocHandle<TripDoc>,
	{
		index,
		clients,
		rate,
		seconds,
		startAt,
	}: { index: number; clients: number; rate: number; seconds: number; startAt: number },
): Promise<{ sent: Record<string, number>; arrived: Record<string, number> }> {
	const period = 1000 / rate;
	const edits = Math.round(rate * seconds);
	const sent: Record<string, number> = {};
	const arrived: Record<string, number> = {};
	const pending = new Set<string>();
	for (let c = 0; c < clients; c++) if (c !== index) for (let e = 0; e < edits; e++) pending.add(`c${c}e${e}`);
	const check = () => {
		const t = now();
		const items = (handle.doc() as TripDoc | undefined)?.items ?? {};
		for (const key of pending)
			if (items[key as never]) {
				pending.delete(key);
				arrived[key] = t;
			}
	};
	handle.on('change', check);
	await sleep(Math.max(0, startAt - now()) + (period * index) / clients);
	for (let e = 0; e < edits; e++) {
		const started = now();
		const key = `c${index}e${e}`;
		sent[key] = started;
		await client.edit(key);
		await sleep(Math.max(0, period - (now() - started)));
	}
	const deadline = Date.now() + 60_000;
	while (pending.size > 0) {
		if (Date.now() > deadline) throw new Error(`live edits: ${pending.size} edits never arrived`);
		check();
		await sleep(20);
	}
	handle.off('change', check);
	return { sent, arrived };
}

await main();
