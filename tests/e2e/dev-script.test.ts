import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { alive, groupMembers, killLeftovers, portOpen, runNpmScript } from '../helpers/processes.ts';

/** `npm run dev` as a user runs it, on free ports and a fresh data dir so it can run beside a real one. */
interface DevRun {
	child: ChildProcess;
	dataDir: string;
	stdout(): string;
	stderr(): string;
	exited: Promise<number | null>;
}

const workDirs: string[] = [];
afterAll(async () => {
	await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startDev(env: Record<string, string> = {}): Promise<DevRun> {
	const work = await mkdtemp(join(tmpdir(), 'tripmate-dev-'));
	workDirs.push(work);
	// Under root, Postgres runs as the postgres user, who must be able to reach its data dir.
	await chmod(work, 0o755);
	const dataDir = join(work, 'pg');
	const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
		env: { ...process.env, STACK_PORT: '0', STACK_DB_PORT: '0', STACK_DATA_DIR: dataDir, PORT: '0', ...env },
		// Its own process group, so a "Ctrl-C" reaches it and its Postgres together, as in a terminal.
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	let err = '';
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return { child, dataDir, stdout: () => out, stderr: () => err, exited };
}

async function waitFor<T>(
	check: () => T | undefined | Promise<T | undefined>,
	what: string,
	timeoutMs: number,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Postgres processes (postmaster or children) still running on a data directory. */
async function postgresOn(dataDir: string): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
		if (cmdline.split('\0').includes(dataDir)) pids.push(Number(entry));
	}
	return pids;
}

test('npm run dev prints the stack variables and the app URL, serves the app, and one Ctrl-C stops everything with exit 0', async () => {
	const dev = await startDev();
	const appUrl = await waitFor(
		() => /^APP_URL=(\S+)$/m.exec(dev.stdout())?.[1],
		`APP_URL in the output of npm run dev:\n${dev.stdout()}\n${dev.stderr()}`,
		90_000,
	);
	expect(dev.stdout()).toMatch(/^API_URL=http:\/\/127\.0\.0\.1:\d+$/m);
	expect(dev.stdout()).toMatch(/^ANON_KEY=ey/m);
	expect(dev.stdout()).toMatch(/^DB_URL=postgres:\/\//m);

	const page = await fetch(appUrl);
	expect(page.status).toBe(200);
	expect(await page.text()).toContain('<title>Tripmate</title>');
	expect(await postgresOn(dev.dataDir)).not.toEqual([]);

	process.kill(-dev.child.pid!, 'SIGINT');
	expect(await dev.exited).toBe(0);
	expect(await postgresOn(dev.dataDir)).toEqual([]);
	await expect(fetch(appUrl)).rejects.toThrow();
});

test('npm run dev exits 1 with a clear message, and leaves no Postgres behind, when the API port is taken', async () => {
	const blocker = createServer();
	await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
	const address = blocker.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	try {
		const dev = await startDev({ STACK_PORT: String(port) });
		expect(await dev.exited).toBe(1);
		expect(dev.stderr()).toContain(`Could not start the local stack`);
		expect(dev.stderr()).toContain(String(port));
		expect(await postgresOn(dev.dataDir)).toEqual([]);
	} finally {
		await new Promise<void>((resolve) => blocker.close(() => resolve()));
	}
});

test('SIGTERM to the npm process of npm run dev stops Vite, the API and Postgres, leaving no process or port', async () => {
	const work = await mkdtemp(join(tmpdir(), 'tripmate-npm-dev-'));
	workDirs.push(work);
	await chmod(work, 0o755);
	const dataDir = join(work, 'pg');
	const npm = runNpmScript('dev', { STACK_PORT: '0', STACK_DB_PORT: '0', STACK_DATA_DIR: dataDir, PORT: '0' });
	let postmaster: number | null = null;
	try {
		const appUrl = await waitFor(
			() => /^APP_URL=(\S+)$/m.exec(npm.output().stdout)?.[1],
			`APP_URL in the output of npm run dev:\n${npm.output().stderr}`,
			90_000,
		);
		const port = (name: string) =>
			Number(new URL(new RegExp(`^${name}=(\\S+)$`, 'm').exec(npm.output().stdout)![1]!).port);
		const ports = [Number(new URL(appUrl).port), port('API_URL'), port('DB_URL')];
		postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
		for (const p of ports) expect(await portOpen(p)).toBe(true);

		process.kill(npm.pid, 'SIGTERM');
		await waitFor(
			async () => ((await groupMembers(npm.pid)).length === 0 && !alive(postmaster!) ? true : undefined),
			'every process npm run dev started to exit',
			20_000,
		);
		expect(await postgresOn(dataDir)).toEqual([]);
		for (const p of ports) expect(await portOpen(p)).toBe(false);
	} finally {
		killLeftovers(npm.pid, postmaster);
	}
});
