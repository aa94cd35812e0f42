/**
 * The embedded stack: cold and warm start, RPC round trip, and broadcast client → client,
 * all through the unmodified supabase-js.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { startTestCluster } from '../supabase/local/testing.ts';
import { benchClient, isMain, ms, printFigures, recordSuite, summarize, type Figure } from './lib.ts';

const RPC_SAMPLES = 1000;
const BROADCAST_SAMPLES = 500;
const WARM_STARTS = 3;

export async function run(): Promise<void> {
	const dataDir = await mkdtemp(join(tmpdir(), 'tripmate-bench-'));
	try {
		// The stack runs as `npm run stack` does, in its own process, so the clients measured here
		// don't share an event loop with the server.
		const cold = await startStackProcess(dataDir);
		await cold.stop();
		const warmTimes: number[] = [];
		for (let i = 0; i < WARM_STARTS; i++) {
			const warm = await startStackProcess(dataDir);
			warmTimes.push(warm.startMs);
			if (i < WARM_STARTS - 1) {
				await warm.stop();
				continue;
			}
			const db = new pg.Client({ connectionString: warm.env.DB_URL });
			await db.connect();
			const { figures, values } = await measureApi(warm.env.API_URL!, warm.env.ANON_KEY!, (sql) => db.query(sql));
			await db.end();
			await warm.stop();
			const clone = await measureTemplateClone();
			const warmMs = summarize(warmTimes).p50;
			printFigures('Embedded stack (npm run stack in a child process; times include Node + tsx start-up)', [
				{
					name: 'cold start (fresh data dir)',
					value: ms(cold.startMs),
					target: '≤ 8000 ms',
					met: cold.startMs <= 8000,
				},
				{ name: `warm start (median of ${WARM_STARTS})`, value: ms(warmMs), target: '≤ 2000 ms', met: warmMs <= 2000 },
				{
					name: `fresh database from the migrated template p50 (n=${clone.n})`,
					value: ms(clone.p50),
					target: '≤ 100 ms (tens of ms)',
					met: clone.p50 <= 100,
				},
				...figures,
			]);
			await recordSuite('stack', {
				cold_start_ms: cold.startMs,
				warm_start_p50_ms: warmMs,
				template_clone_p50_ms: clone.p50,
				...values,
			});
		}
	} finally {
		await rm(dataDir, { recursive: true, force: true });
	}
}

/** What each test file pays for an isolated, migrated database. */
async function measureTemplateClone() {
	const cluster = await startTestCluster();
	try {
		const samples: number[] = [];
		for (let i = 0; i < 10; i++) {
			const t = performance.now();
			await cluster.createDatabase();
			samples.push(performance.now() - t);
		}
		return summarize(samples);
	} finally {
		await cluster.stop();
	}
}

async function startStackProcess(dataDir: string) {
	const started = performance.now();
	const child = spawn(process.execPath, ['--import', 'tsx', 'supabase/local/cli.ts'], {
		env: { ...process.env, STACK_DATA_DIR: dataDir, STACK_PORT: '0', STACK_DB_PORT: '0' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
	let stdout = '';
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const env = await withTimeout(
		new Promise<Record<string, string>>((resolve, reject) => {
			child.stdout.on('data', (d: Buffer) => {
				stdout += d.toString();
				if (stdout.includes('JWT_SECRET=')) {
					resolve(
						Object.fromEntries(
							stdout
								.trim()
								.split('\n')
								.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
						),
					);
				}
			});
			void exited.then((code) => reject(new Error(`the stack exited with ${code}: ${stderr}`)));
		}),
		30_000,
		'the stack to start',
	);
	return {
		env,
		startMs: performance.now() - started,
		async stop() {
			child.kill('SIGTERM');
			const code = await exited;
			if (code !== 0) throw new Error(`the stack exited with ${code} on SIGTERM: ${stderr}`);
		},
	};
}

async function measureApi(url: string, anonKey: string, sql: (q: string) => Promise<unknown>): Promise<Figure[]> {
	await sql(`create or replace function public.bench_echo(x int) returns int language sql volatile as 'select x'`);
	const client = benchClient(url, anonKey);
	for (let i = 0; i < 50; i++) await client.rpc('bench_echo', { x: i });
	const rpc: number[] = [];
	for (let i = 0; i < RPC_SAMPLES; i++) {
		const t = performance.now();
		const { data, error } = await client.rpc('bench_echo', { x: i });
		rpc.push(performance.now() - t);
		if (error || data !== i) throw new Error(`bench_echo returned ${JSON.stringify({ data, error })}`);
	}
	const rpcStats = summarize(rpc);

	const sender = benchClient(url, anonKey);
	const receiver = benchClient(url, anonKey);
	const topic = `bench-${Date.now()}`;
	let deliver: ((n: number) => void) | undefined;
	const rx = receiver.channel(topic).on('broadcast', { event: 'ping' }, (m) => deliver?.(m.payload.n as number));
	const tx = sender.channel(topic);
	await Promise.all([subscribed(rx), subscribed(tx)]);
	const broadcast: number[] = [];
	for (let i = 0; i < BROADCAST_SAMPLES + 20; i++) {
		const t = performance.now();
		const received = new Promise<number>((resolve) => (deliver = resolve));
		await tx.send({ type: 'broadcast', event: 'ping', payload: { n: i } });
		const n = await withTimeout(received, 2000, 'broadcast delivery');
		if (n !== i) throw new Error(`broadcast ${i} arrived as ${n}`);
		if (i >= 20) broadcast.push(performance.now() - t);
	}
	const b = summarize(broadcast);
	await Promise.all([client, sender, receiver].map((c) => c.removeAllChannels()));
	const values = {
		rpc_p50_ms: rpcStats.p50,
		rpc_p95_ms: rpcStats.p95,
		broadcast_p50_ms: b.p50,
		broadcast_p95_ms: b.p95,
	};
	const figures: Figure[] = [
		{ name: `RPC round trip p50 (n=${rpcStats.n})`, value: ms(rpcStats.p50), target: '≤ 3 ms', met: rpcStats.p50 <= 3 },
		{ name: 'RPC round trip p95', value: ms(rpcStats.p95) },
		{ name: `broadcast client→client p50 (n=${b.n})`, value: ms(b.p50), target: '≤ 5 ms', met: b.p50 <= 5 },
		{ name: 'broadcast client→client p95', value: ms(b.p95) },
	];
	return { figures, values };
}

function subscribed(channel: ReturnType<ReturnType<typeof benchClient>['channel']>): Promise<void> {
	return withTimeout(
		new Promise<void>((resolve, reject) =>
			channel.subscribe((status, err) => {
				if (status === 'SUBSCRIBED') resolve();
				else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
			}),
		),
		5000,
		'channel subscription',
	);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

if (isMain(import.meta.url)) await run();
