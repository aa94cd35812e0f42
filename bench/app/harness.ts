// What every figure of the `app` suite needs, set up once: the local stack, a production build of
// the app pointed at it, served statically, and Debian's Chromium (as the e2e tests use them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startStack } from '../../supabase/local/stack.ts';
import { serveStatic } from '../../tests/e2e/static-server.ts';

export interface AppBench {
	appUrl: string;
	apiUrl: string;
	anonKey: string;
	dbUrl: string;
	browser: Browser;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Starts everything, runs `body`, and tears it all down again. */
export async function withAppBench<T>(body: (bench: AppBench) => Promise<T>): Promise<T> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
	const work = await mkdtemp(join(tmpdir(), 'tripmate-bench-app-'));
	await chmod(work, 0o755);
	const stack = await startStack({ dataDir: join(work, 'pg'), apiPort: 0, dbPort: 0 });
	try {
		await build(work, stack.api.url, stack.api.config.anonKey);
		const site = await serveStatic(join(work, 'build'));
		const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
		try {
			return await body({
				appUrl: site.url,
				apiUrl: stack.api.url,
				anonKey: stack.api.config.anonKey,
				dbUrl: stack.dbUrl,
				browser,
			});
		} finally {
			await browser.close();
			await site.close();
		}
	} finally {
		await stack.stop();
		await rm(work, { recursive: true, force: true });
		await rm(`.svelte-kit-${basename(work)}`, { recursive: true, force: true });
	}
}

async function build(outDir: string, supabaseUrl: string, anonKey: string): Promise<void> {
	const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
		env: {
			...process.env,
			NODE_ENV: 'production',
			TRIPMATE_BUILD_DIR: outDir,
			PUBLIC_SUPABASE_URL: supabaseUrl,
			PUBLIC_SUPABASE_ANON_KEY: anonKey,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (d: Buffer) => (output += d.toString()));
	child.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	if (code !== 0) throw new Error(`vite build failed (exit ${code}):\n${output}`);
}
