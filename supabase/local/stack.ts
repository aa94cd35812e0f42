import { resolve } from 'node:path';
import pg from 'pg';
import { Inbox } from './auth/inbox.ts';
import type { ApiConfig, ApiContext, StackContext } from './context.ts';
import { createPool } from './db.ts';
import { DEMO_ANON_KEY, DEMO_JWT_SECRET, DEMO_SERVICE_ROLE_KEY } from './keys.ts';
import { prepareDatabase, type AppliedMigration } from './migrate.ts';
import { freePort } from './ports.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import type { RealtimeStats } from './realtime/service.ts';
import { ROLES, urlAs } from './roles.ts';
import { startApiServer, type ApiServer } from './server.ts';

export const DEFAULT_API_PORT = 54321;
export const DEFAULT_DB_PORT = 54322;
export const DEFAULT_DATA_DIR = '.stack-data';

export interface ApiOptions {
	/**
	 * Superuser URL of the project database. The services connect as their own roles (roles.ts),
	 * with the same password.
	 */
	databaseUrl: string;
	/** 0 picks a free port (tests); the same port is reused by restart(). */
	port?: number;
	config?: Partial<Omit<ApiConfig, 'apiUrl'>>;
	log?: (line: string) => void;
}

/** The local API as a restartable part: tests stop it under connected clients and bring it back. */
export interface ApiHandle {
	readonly url: string;
	readonly port: number;
	readonly config: ApiConfig;
	readonly running: boolean;
	/** A superuser (`supabase_admin`) pool on the project database, for test setup and assertions. */
	readonly pool: pg.Pool;
	stop(): Promise<void>;
	/** Starts again on the same port after stop(). */
	start(): Promise<void>;
	/** Stops the server and closes the pool. */
	close(): Promise<void>;
	/** What Realtime holds (sockets, users, channels, presences); all zero while stopped. */
	realtimeStats(): RealtimeStats;
}

export async function startApi(options: ApiOptions): Promise<ApiHandle> {
	const log = options.log ?? (() => {});
	const port = options.port || (await freePort());
	const config: ApiConfig = {
		apiUrl: `http://127.0.0.1:${port}`,
		jwtSecret: DEMO_JWT_SECRET,
		anonKey: DEMO_ANON_KEY,
		serviceRoleKey: DEMO_SERVICE_ROLE_KEY,
		jwtExpirySeconds: 3600,
		refreshTokenReuseSeconds: 10,
		anonymousSignIns: true,
		confirmEmail: false,
		secureEmailChange: true,
		siteUrl: 'http://127.0.0.1:5173',
		redirectUrls: ['http://localhost:5173', 'http://localhost:5173/**'],
		otpExpirySeconds: 3600,
		emailMaxFrequencySeconds: 1,
		maxBodyBytes: 8 * 1024 * 1024,
		...options.config,
	};
	const pool = createPool(options.databaseUrl, log);
	const inbox = new Inbox();
	const service = (role: string, max?: number): StackContext => {
		const databaseUrl = urlAs(options.databaseUrl, role);
		return { config, pool: createPool(databaseUrl, log, max), databaseUrl, log, inbox };
	};
	const ctx: ApiContext = {
		config,
		log,
		rest: service(ROLES.rest),
		auth: service(ROLES.auth, 10),
		realtime: service(ROLES.realtime, 10),
	};
	const servicePools = [ctx.rest.pool, ctx.auth.pool, ctx.realtime.pool];
	let server: ApiServer | undefined = await startApiServer(ctx, port);
	const stop = async () => {
		const s = server;
		server = undefined;
		await s?.stop();
	};
	return {
		url: config.apiUrl,
		port,
		config,
		pool,
		get running() {
			return server !== undefined;
		},
		stop,
		realtimeStats: () => server?.realtimeStats() ?? { sockets: 0, users: 0, channels: 0, presences: 0 },
		async start() {
			server ??= await startApiServer(ctx, port);
		},
		async close() {
			await stop();
			await Promise.all([pool, ...servicePools].map((p) => p.end().catch(() => {})));
		},
	};
}

export interface StackOptions {
	/** API port; 0 = a free one. Default STACK_PORT or 54321. */
	apiPort?: number;
	/** Postgres port; 0 = a free one. Default STACK_DB_PORT or 54322. */
	dbPort?: number;
	/** Postgres data directory. Default STACK_DATA_DIR or ./.stack-data. */
	dataDir?: string;
	/**
	 * An external superuser URL: replaces the embedded Postgres entirely. Default DATABASE_URL.
	 * The stack sets its login roles' passwords to this URL's.
	 */
	databaseUrl?: string;
	migrationsDir?: string;
	/** Email confirmations with a local inbox (ApiConfig.confirmEmail). Default STACK_CONFIRM_EMAIL=1. */
	confirmEmail?: boolean;
	log?: (line: string) => void;
}

/** A whole local Supabase: Postgres (embedded unless DATABASE_URL is given), migrations, the API. */
export interface Stack {
	readonly api: ApiHandle;
	/** Null when an external DATABASE_URL is used. */
	readonly postgres: PostgresServer | null;
	/** Superuser (`supabase_admin`) URL of the project database; env().DB_URL is `postgres`'s. */
	readonly dbUrl: string;
	readonly migrations: AppliedMigration[];
	/** The variables `supabase status -o env` prints, for the app and for scripts. */
	env(): Record<'API_URL' | 'ANON_KEY' | 'SERVICE_ROLE_KEY' | 'DB_URL' | 'JWT_SECRET', string>;
	/** Stops the API and Postgres. Idempotent. */
	stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
	const log = options.log ?? (() => {});
	const externalUrl = options.databaseUrl ?? process.env.DATABASE_URL;
	let postgres: PostgresServer | null = null;
	let dbUrl: string;
	if (externalUrl) {
		dbUrl = externalUrl;
	} else {
		const dbPort = options.dbPort ?? envPort('STACK_DB_PORT', DEFAULT_DB_PORT);
		postgres = await startPostgres({
			dataDir: resolve(options.dataDir ?? process.env.STACK_DATA_DIR ?? DEFAULT_DATA_DIR),
			port: dbPort === 0 ? await freePort() : dbPort,
			onLog: log,
		});
		dbUrl = postgres.url();
	}
	let running: ApiHandle;
	let migrations: AppliedMigration[];
	try {
		migrations = await prepareDatabase(dbUrl, options.migrationsDir).catch((err: unknown) => {
			throw explainOldDataDir(err, postgres);
		});
		await warnIfOwnerIsSuperuser(dbUrl, log);
		running = await startApi({
			databaseUrl: dbUrl,
			port: options.apiPort ?? envPort('STACK_PORT', DEFAULT_API_PORT),
			config: { confirmEmail: options.confirmEmail ?? process.env.STACK_CONFIRM_EMAIL === '1' },
			log,
		});
	} catch (err) {
		await postgres?.stop();
		throw err;
	}
	let stopping: Promise<void> | undefined;
	return {
		api: running,
		postgres,
		dbUrl,
		migrations,
		env: () => ({
			API_URL: running.url,
			ANON_KEY: running.config.anonKey,
			SERVICE_ROLE_KEY: running.config.serviceRoleKey,
			// As `supabase status` prints it: the project's owner role, not the cluster superuser.
			DB_URL: urlAs(dbUrl, ROLES.owner),
			JWT_SECRET: running.config.jwtSecret,
		}),
		stop: () =>
			(stopping ??= (async () => {
				await running.close();
				await postgres?.stop();
			})()),
	};
}

/**
 * A data directory made by an earlier version of the stack has `postgres` as its superuser and
 * no `supabase_admin`; Postgres cannot demote its bootstrap user, so it has to be recreated.
 */
function explainOldDataDir(err: unknown, postgres: PostgresServer | null): unknown {
	const code = (err as { code?: string } | null)?.code;
	if (!postgres || (code !== '28P01' && code !== '28000')) return err;
	return new Error(
		`Cannot connect to ${postgres.dataDir} as ${ROLES.admin}: it was probably created by an older version of the stack, whose superuser was postgres. Delete the directory (rm -rf ${postgres.dataDir}) to start from an empty database.`,
		{ cause: err },
	);
}

/** An external DATABASE_URL that connects as `postgres` leaves it a superuser: say so. */
async function warnIfOwnerIsSuperuser(adminUrl: string, log: (line: string) => void): Promise<void> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		const { rows } = await client.query<{ rolsuper: boolean }>(
			"select rolsuper from pg_roles where rolname = 'postgres'",
		);
		if (rows[0]?.rolsuper) {
			const warning =
				'warning: the role postgres is a superuser in this database, unlike on hosted Supabase: migrations that need more than hosted grants will pass here and fail there.';
			log(warning);
			console.error(warning);
		}
	} finally {
		await client.end();
	}
}

function envPort(name: string, fallback: number): number {
	const value = process.env[name];
	if (value === undefined || value === '') return fallback;
	const port = Number(value);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}=${value} is not a port number`);
	return port;
}
