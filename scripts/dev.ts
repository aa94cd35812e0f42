/**
 * `npm run dev`: the embedded Supabase stack, then the Vite dev server pointed at it, in one
 * process. Prints the stack's variables (as `npm run stack` does) and the app's URL. The first
 * Ctrl-C or SIGTERM stops Vite, then the stack (Postgres included), and exits 0; a second one
 * exits at once. The end of the npm (or shell) that started it counts as a SIGTERM: npm passes
 * SIGTERM only to its `sh -c`, which dies of it without passing it on.
 *
 * Environment: STACK_PORT, STACK_DB_PORT, STACK_DATA_DIR, DATABASE_URL (see supabase/local/stack.ts),
 * PORT for the app (default 5173; 0 = a free port), STACK_VERBOSE=1 to see Postgres's log.
 */
import { createServer, type ViteDevServer } from 'vite';
import { survivePipeLoss, watchForOrphaning } from '../supabase/local/orphan.ts';
import { startStack, type Stack } from '../supabase/local/stack.ts';

const verbose = process.env.STACK_VERBOSE === '1';
const DEFAULT_APP_PORT = 5173;

let stopping: Promise<void> | undefined;
let stack: Promise<Stack> | undefined;
let vite: Promise<ViteDevServer> | undefined;

/** Stops whatever has started, Vite first (it holds the browser's connections), then the stack. */
function stopAll(): Promise<void> {
	return (stopping ??= (async () => {
		const server = await vite?.catch(() => undefined);
		await server?.close().catch((err: unknown) => console.error(`Stopping Vite failed: ${messageOf(err)}`));
		const running = await stack?.catch(() => undefined);
		await running?.stop();
	})());
}

function onSignal(signal: NodeJS.Signals | 'parent exited'): void {
	if (stopping) {
		console.error(`\n${signal} again: exiting now.`);
		process.exit(130);
	}
	console.error(`\n${signal}: stopping…`);
	stopAll().then(
		() => process.exit(0),
		(err: unknown) => {
			console.error(`Stopping failed: ${messageOf(err)}`);
			process.exit(1);
		},
	);
}

/**
 * Vite installs its own SIGTERM (and stdin end) handler that closes the server and exits the
 * process, which would leave Postgres running. Ours stops everything, so Vite's must go.
 */
function dropViteExitHandlers(): void {
	for (const listener of process.listeners('SIGTERM')) {
		if (listener !== onSignal) process.off('SIGTERM', listener);
	}
	for (const listener of process.stdin.listeners('end')) process.stdin.off('end', listener as () => void);
}

async function main(): Promise<void> {
	let port: number;
	try {
		port = appPort();
	} catch (err) {
		console.error(messageOf(err));
		process.exit(1);
	}
	// Handlers go in first: a signal during start-up must still stop whatever has started.
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	survivePipeLoss();
	watchForOrphaning(() => onSignal('parent exited'));

	stack = startStack({ log: verbose ? (line) => console.error(`[postgres] ${line}`) : undefined });
	let running: Stack;
	try {
		running = await stack;
	} catch (err) {
		console.error(`Could not start the local stack: ${messageOf(err)}`);
		process.exit(1);
	}
	if (stopping) return;
	const env = running.env();
	for (const [name, value] of Object.entries(env)) console.log(`${name}=${value}`);

	// Read by vite.config.ts (envPrefix PUBLIC_) when the server starts, so set before it.
	process.env.PUBLIC_SUPABASE_URL = env.API_URL;
	process.env.PUBLIC_SUPABASE_ANON_KEY = env.ANON_KEY;

	vite = createServer({ server: { port } });
	let server: ViteDevServer;
	try {
		server = await vite;
		dropViteExitHandlers();
		await server.listen();
	} catch (err) {
		console.error(`Could not start the app's dev server: ${messageOf(err)}`);
		await stopAll();
		process.exit(1);
	}
	if (stopping) return;
	const url = server.resolvedUrls?.local[0] ?? `http://localhost:${server.config.server.port}/`;
	console.error(
		`Local Supabase ready${running.postgres ? ` (data in ${running.postgres.dataDir})` : ' (external DATABASE_URL)'}.`,
	);
	console.log(`APP_URL=${url}`);
	console.error(`Tripmate is running at ${url} — Ctrl-C stops the app and the stack.`);
}

function appPort(): number {
	const value = process.env.PORT;
	if (value === undefined || value === '') return DEFAULT_APP_PORT;
	const port = Number(value);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${value} is not a port number`);
	return port;
}

function messageOf(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

await main();
