import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack } from '../../supabase/local/stack.ts';
import { serveStatic } from '../e2e/static-server.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Where the built app is served. */
		appUrl: string;
		/** Superuser URL of the stack the app talks to. */
		e2eDbUrl: string;
		/** The stack's API (what the app's supabase-js talks to) and its anon key. */
		e2eApiUrl: string;
		e2eAnonKey: string;
	}
}

/**
 * The app as users get it: a production build (with its service worker) served statically,
 * talking to its own embedded stack on free ports — so e2e tests can run beside `npm run dev`.
 */
export default async function setup(project: TestProject) {
	const work = await mkdtemp(join(tmpdir(), 'tripmate-e2e-'));
	// Under root, Postgres runs as the postgres user, who must be able to reach its data dir.
	await chmod(work, 0o755);
	// Email confirmations on, as hosted projects have them: "Save your trips" goes through the mailed link.
	const stack = await startStack({ dataDir: join(work, 'pg'), apiPort: 0, dbPort: 0, confirmEmail: true });
	try {
		await buildApp(work, stack.api.url, stack.api.config.anonKey);
	} catch (err) {
		await stack.stop();
		await rm(`.svelte-kit-${basename(work)}`, { recursive: true, force: true });
		throw err;
	}
	const site = await serveStatic(join(work, 'build'));
	project.provide('appUrl', site.url);
	project.provide('e2eDbUrl', stack.dbUrl);
	project.provide('e2eApiUrl', stack.api.url);
	project.provide('e2eAnonKey', stack.api.config.anonKey);
	return async () => {
		await site.close();
		await stack.stop();
		await rm(work, { recursive: true, force: true });
		await rm(`.svelte-kit-${basename(work)}`, { recursive: true, force: true });
	};
}

/** A production build into `outDir/build` talking to `supabaseUrl` (`extraEnv`: e.g. TRIPMATE_VERSION). */
export async function buildApp(
	outDir: string,
	supabaseUrl: string,
	anonKey: string,
	extraEnv: Record<string, string> = {},
): Promise<void> {
	const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
		env: {
			...process.env,
			// Vitest sets NODE_ENV=test, which would make this a development build (no service worker).
			NODE_ENV: 'production',
			TRIPMATE_BUILD_DIR: outDir,
			PUBLIC_SUPABASE_URL: supabaseUrl,
			PUBLIC_SUPABASE_ANON_KEY: anonKey,
			...extraEnv,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (d: Buffer) => (output += d.toString()));
	child.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	if (code !== 0) throw new Error(`vite build failed (exit ${code}):\n${output}`);
}
