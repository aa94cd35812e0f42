import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../../supabase/local/ports.ts';
import { startStack } from '../../supabase/local/stack.ts';
import { eventually } from '../helpers/stack.ts';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'tripmate-lifecycle-'));
	dirs.push(dir);
	return dir;
}
afterAll(async () => {
	await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** `npm run stack` as a user runs it, but on free ports and its own data directory. */
function runStackCli(dir: string, apiPort: number, dbPort: number) {
	const child = spawn(process.execPath, ['--import', 'tsx', 'supabase/local/cli.ts'], {
		env: { ...process.env, STACK_DATA_DIR: dir, STACK_PORT: String(apiPort), STACK_DB_PORT: String(dbPort) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		child,
		exited,
		output: () => ({ stdout, stderr }),
		ready: () =>
			eventually(() => stdout.includes('JWT_SECRET='), `the stack CLI to print its env (stderr: ${stderr})`, 30_000),
	};
}

function envLines(stdout: string): Record<string, string> {
	return Object.fromEntries(
		stdout
			.split('\n')
			.filter((l) => /^[A-Z_]+=/.test(l))
			.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
	);
}

async function postmasterPid(dir: string): Promise<number | null> {
	if (!existsSync(join(dir, 'postmaster.pid'))) return null;
	return Number((await readFile(join(dir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function query(url: string, sql: string) {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		return (await client.query(sql)).rows;
	} finally {
		await client.end();
	}
}

describe('npm run stack', () => {
	test('prints the supabase status variables and stops Postgres on SIGTERM, leaving no process behind', async () => {
		const dir = await dataDir();
		const cli = runStackCli(dir, await freePort(), await freePort());
		await cli.ready();
		const env = envLines(cli.output().stdout);
		expect(Object.keys(env).sort()).toEqual(['ANON_KEY', 'API_URL', 'DB_URL', 'JWT_SECRET', 'SERVICE_ROLE_KEY']);
		expect(await query(env.DB_URL!, 'select 1 as one')).toEqual([{ one: 1 }]);
		const health = await fetch(`${env.API_URL}/nowhere`);
		expect(health.status).toBe(404);

		const pgPid = await postmasterPid(dir);
		expect(pgPid && alive(pgPid)).toBe(true);
		cli.child.kill('SIGTERM');
		expect(await cli.exited).toBe(0);
		expect(alive(pgPid!)).toBe(false);
		expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
	});

	test('recovers from a run that was killed with SIGKILL, stopping the orphaned Postgres', async () => {
		const dir = await dataDir();
		const dbPort = await freePort();
		const first = runStackCli(dir, await freePort(), dbPort);
		await first.ready();
		await query(envLines(first.output().stdout).DB_URL!, 'create table kept (v int); insert into kept values (42)');
		const orphan = (await postmasterPid(dir))!;
		first.child.kill('SIGKILL');
		await first.exited;
		expect(alive(orphan)).toBe(true);

		const second = runStackCli(dir, await freePort(), dbPort);
		await second.ready();
		expect(alive(orphan)).toBe(false);
		expect(await query(envLines(second.output().stdout).DB_URL!, 'select v from kept')).toEqual([{ v: 42 }]);
		second.child.kill('SIGINT');
		expect(await second.exited).toBe(0);
	});

	test('exits with a clear message when its API port is taken', async () => {
		const blocker: Server = createServer();
		const port = await freePort();
		await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
		try {
			const cli = runStackCli(await dataDir(), port, await freePort());
			expect(await cli.exited).toBe(1);
			expect(cli.output().stderr).toContain(`Port ${port} for the API (STACK_PORT) is already in use`);
		} finally {
			blocker.close();
		}
	});
});

describe('embedded Postgres', () => {
	test('clears a stale postmaster.pid whose process is gone', async () => {
		const dir = await dataDir();
		const stack = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
		await stack.postgres!.kill();
		// A crash leaves the pid file; make it name a pid that cannot be running.
		await writeFile(join(dir, 'postmaster.pid'), `999999999\n${dir}\n`);
		await stack.postgres!.start();
		expect((await stack.api.pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
		await stack.stop();
	});

	test('shows Postgres’s own log when it fails to start', async () => {
		const dir = await dataDir();
		const stack = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
		await stack.stop();
		await appendFile(join(dir, 'postgresql.conf'), "\nshared_buffers = 'lots'\n");
		await expect(startStack({ dataDir: dir, apiPort: 0, dbPort: 0 })).rejects.toThrow(
			/Postgres failed to start[\s\S]*shared_buffers/,
		);
	});

	test('keeps committed data across a kill and restart, and the API pool reconnects', async () => {
		const stack = await startStack({ dataDir: await dataDir(), apiPort: 0, dbPort: 0 });
		await stack.api.pool.query('create table t (v int); insert into t values (1)');
		await stack.postgres!.kill();
		await expect(stack.api.pool.query('select v from t')).rejects.toThrow();
		await stack.postgres!.start();
		const rows = await eventually(
			() =>
				stack.api.pool.query('select v from t').then(
					(r) => r.rows,
					() => null,
				),
			'the pool to reconnect',
		);
		expect(rows).toEqual([{ v: 1 }]);
		await stack.stop();
	});

	test('applies each migration once, in order, and records it as the Supabase CLI does', async () => {
		const dir = await dataDir();
		const files = (await readdir('supabase/migrations')).filter((f) => f.endsWith('.sql')).sort();
		const first = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
		expect(first.migrations.map((m) => `${m.version}_${m.name}.sql`)).toEqual(files);
		await first.stop();

		const second = await startStack({ dataDir: dir, apiPort: 0, dbPort: 0 });
		expect(second.migrations).toEqual([]);
		const { rows } = await second.api.pool.query(
			'select version, name from supabase_migrations.schema_migrations order by version',
		);
		expect(rows.map((r) => `${r.version}_${r.name}.sql`)).toEqual(files);
		await second.stop();
	});

	test('DATABASE_URL replaces the embedded Postgres entirely', async () => {
		const host = await startStack({ dataDir: await dataDir(), apiPort: 0, dbPort: 0 });
		await query(host.dbUrl, 'create database external_db');
		const url = host.dbUrl.replace(/\/postgres$/, '/external_db');
		const stack = await startStack({ databaseUrl: url, apiPort: 0 });
		expect(stack.postgres).toBeNull();
		// DATABASE_URL is the superuser's; DB_URL, as `supabase status` prints it, is postgres's.
		expect(stack.env().DB_URL).toBe(url.replace('//supabase_admin:', '//postgres:'));
		const rows = await query(url, "select count(*)::int as n from pg_namespace where nspname in ('auth', 'realtime')");
		expect(rows).toEqual([{ n: 2 }]);
		await stack.stop();
		await host.stop();
	});
});
