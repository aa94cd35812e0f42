import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJwt } from './jwt.ts';
import { cloneDatabase, dropDatabase, prepareDatabase } from './migrate.ts';
import { freePort } from './ports.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { startApi, type ApiHandle, type ApiOptions } from './stack.ts';

const TEMPLATE = 'tripmate_template';

/**
 * A throwaway Postgres cluster for a test run: its own data directory and a free port, so tests
 * run beside `npm run dev`. It holds one migrated template database; each test gets a clone.
 * `adminUrl` connects as the cluster superuser `supabase_admin`; the migrations ran as `postgres`.
 */
export interface TestCluster {
	readonly adminUrl: string;
	readonly postgres: PostgresServer;
	/** A fresh migrated database (CREATE DATABASE … TEMPLATE, tens of ms); returns its URL. */
	createDatabase(): Promise<string>;
	dropDatabase(url: string): Promise<void>;
	stop(): Promise<void>;
}

export async function startTestCluster(log?: (line: string) => void): Promise<TestCluster> {
	const dataDir = await mkdtemp(join(tmpdir(), 'tripmate-pg-'));
	const postgres = await startPostgres({ dataDir, port: await freePort(), onLog: log });
	const adminUrl = postgres.url('postgres');
	await cloneDatabase(adminUrl, 'template1', TEMPLATE);
	await prepareDatabase(postgres.url(TEMPLATE));
	return {
		...databasesOf(adminUrl),
		postgres,
		async stop() {
			await postgres.stop();
			await rm(dataDir, { recursive: true, force: true });
		},
	};
}

/**
 * Database factory for a running test cluster, rebuilt from its admin URL alone — so a Vitest
 * worker can use the cluster its global setup started. With `fresh` (default: the environment
 * variable STACK_FRESH_DATABASES=1), each database is built from an empty one by bootstrap.sql and
 * the migrations (as `postgres`) instead of cloned from the migrated template: CI runs the
 * authorization and push/pull tests that way once, so they hold for a database built from scratch.
 */
export function databasesOf(
	adminUrl: string,
	fresh = process.env.STACK_FRESH_DATABASES === '1',
): Pick<TestCluster, 'adminUrl' | 'createDatabase' | 'dropDatabase'> {
	return {
		adminUrl,
		async createDatabase() {
			const name = `t_${randomBytes(6).toString('hex')}`;
			await cloneDatabase(adminUrl, fresh ? 'template1' : TEMPLATE, name);
			const url = new URL(adminUrl);
			url.pathname = `/${name}`;
			if (fresh) await prepareDatabase(url.toString());
			return url.toString();
		},
		async dropDatabase(url: string) {
			await dropDatabase(adminUrl, new URL(url).pathname.slice(1));
		},
	};
}

/** An API server on a fresh clone of the template database. */
export async function startTestApi(
	cluster: Pick<TestCluster, 'createDatabase'>,
	options: Omit<ApiOptions, 'databaseUrl'> = {},
): Promise<ApiHandle & { databaseUrl: string }> {
	const databaseUrl = await cluster.createDatabase();
	const api = await startApi({ ...options, databaseUrl, port: options.port ?? (await freePort()) });
	return Object.assign(api, { databaseUrl });
}

/**
 * An access token for an existing auth.users row, with the claims GoTrue puts in one. For tests and
 * benchmarks of things other than Auth; `expiresIn` < 0 gives an already expired token.
 */
export function mintAccessToken(api: Pick<ApiHandle, 'url' | 'config'>, userId: string, expiresIn = 3600): string {
	const now = Math.floor(Date.now() / 1000);
	return signJwt(
		{
			iss: `${api.url}/auth/v1`,
			sub: userId,
			aud: 'authenticated',
			exp: now + expiresIn,
			iat: now,
			role: 'authenticated',
			aal: 'aal1',
			amr: [{ method: 'anonymous', timestamp: now }],
			session_id: randomUUID(),
			is_anonymous: true,
		},
		api.config.jwtSecret,
	);
}
