/**
 * Live editing by many clients, each in its own worker thread (bench/sync/live-worker.ts), beside
 * the server in the main thread: the same for both engines. Every client edits at `rate` edits/s
 * for `seconds`; each edit's latency is from the edit to its arrival on every other client.
 */
import { Worker } from 'node:worker_threads';

export type WorkerInit = { engine: 'ours'; apiUrl: string; anonKey: string } | { engine: 'peer'; url: string };

/** Process-wide monotonic milliseconds: comparable across worker threads (performance.now() is not). */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

type Reply = { kind: string; [k: string]: unknown };

class Thread {
	readonly #worker: Worker;
	readonly #replies: Reply[] = [];
	readonly #waiting: ((r: Reply) => void)[] = [];
	#failure: Error | null = null;

	constructor(init: WorkerInit) {
		// Node 20 does not run a .ts worker entry under the parent's `--import tsx`: the worker
		// registers tsx's loader itself, then imports the client.
		const tsx = import.meta.resolve('tsx/esm/api');
		const entry = new URL('./live-worker.ts', import.meta.url).href;
		const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
		this.#worker = new Worker(boot, { eval: true, workerData: init });
		this.#worker.on('message', (r: Reply) => {
			if (r.kind === 'error') this.#fail(new Error(`bench client: ${String(r.message)}`));
			else if (this.#waiting.length) this.#waiting.shift()!(r);
			else this.#replies.push(r);
		});
		this.#worker.on('error', (e) => this.#fail(e));
	}

	#fail(e: Error) {
		this.#failure = e;
		for (const w of this.#waiting.splice(0)) w({ kind: 'error', message: e.message });
	}

	/** The next reply, which must be of `kind`. */
	async next(kind: string): Promise<Reply> {
		if (this.#failure) throw this.#failure;
		const r = this.#replies.shift() ?? (await new Promise<Reply>((resolve) => this.#waiting.push(resolve)));
		if (r.kind !== kind) throw this.#failure ?? new Error(`bench client: expected ${kind}, got ${r.kind}`);
		return r;
	}

	async ask(message: Reply, kind: string): Promise<Reply> {
		this.#worker.postMessage(message);
		return this.next(kind);
	}

	async close(): Promise<void> {
		await this.ask({ kind: 'stop' }, 'stopped').catch(() => {});
		await this.#worker.terminate();
	}
}

export interface ThreadedLive {
	clients: number;
	rate: number;
	seconds: number;
	/** The client engine each thread runs. */
	init: WorkerInit;
	/** After every client signed in, before the trip is shared (ours: make them members). */
	beforeShare?: (userIds: string[], trip: string) => Promise<void>;
}

export async function threadedLiveEdits(o: ThreadedLive): Promise<number[]> {
	const threads = Array.from({ length: o.clients }, () => new Thread(o.init));
	try {
		const ready = await Promise.all(threads.map((t) => t.next('ready')));
		const created = await threads[0]!.ask({ kind: 'create' }, 'created');
		const trip = String(created.trip);
		await o.beforeShare?.(
			ready.slice(1).map((r) => String(r.userId)),
			trip,
		);
		await Promise.all(threads.slice(1).map((t) => t.ask({ kind: 'open', trip, heads: created.heads }, 'opened')));
		await new Promise((r) => setTimeout(r, 500)); // the channels joined
		const startAt = now() + 100;
		const done = await Promise.all(
			threads.map((t, index) =>
				t.ask({ kind: 'go', index, clients: o.clients, rate: o.rate, seconds: o.seconds, startAt }, 'done'),
			),
		);
		if (process.env.SYNC_BENCH_DIAG) console.error(JSON.stringify(done.map((d) => d.diag)));
		const sent: Record<string, number> = Object.assign({}, ...done.map((d) => d.sent));
		return done.flatMap((d) => Object.entries(d.arrived as Record<string, number>).map(([k, t]) => t - sent[k]!));
	} finally {
		await Promise.all(threads.map((t) => t.close()));
	}
}
