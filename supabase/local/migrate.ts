import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { maintainPartitions } from './realtime/partitions.ts';
import { passwordOf, ROLES, urlAs } from './roles.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const BOOTSTRAP_SQL = join(here, 'bootstrap.sql');
export const MIGRATIONS_DIR = join(here, '..', 'migrations');

/** Supabase CLI's naming: `<14-digit UTC timestamp>_<name>.sql`. */
const MIGRATION_FILE = /^(\d{14})_(.+)\.sql$/;

/** Roles are shared by every database of a cluster: serialise their creation. */
const BOOTSTRAP_LOCK = 727_001;

export interface AppliedMigration {
	version: string;
	name: string;
}

/**
 * Brings a database to what `supabase db push` produces on a hosted project: the platform objects
 * (bootstrap.sql, run by the superuser of `adminUrl`), then each migration file not yet recorded,
 * in order, each in its own transaction and recorded in supabase_migrations.schema_migrations —
 * applied as `postgres`, which is not a superuser, so a migration that needs more than hosted
 * grants fails here as it would there.
 */
export async function prepareDatabase(adminUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<AppliedMigration[]> {
	const admin = new pg.Client({ connectionString: adminUrl });
	await admin.connect();
	try {
		await admin.query('select pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
		try {
			await admin.query("select set_config('tripmate.role_password', $1, false)", [passwordOf(adminUrl)]);
			await admin.query(await readFile(BOOTSTRAP_SQL, 'utf8'));
		} finally {
			await admin.query('select pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]);
		}
	} finally {
		await admin.end();
	}
	const realtime = new pg.Client({ connectionString: urlAs(adminUrl, ROLES.realtime) });
	await realtime.connect();
	try {
		await maintainPartitions(realtime);
	} finally {
		await realtime.end();
	}
	const owner = new pg.Client({ connectionString: urlAs(adminUrl, ROLES.owner) });
	await owner.connect();
	try {
		return await applyMigrations(owner, migrationsDir);
	} finally {
		await owner.end();
	}
}

async function applyMigrations(client: pg.Client, dir: string): Promise<AppliedMigration[]> {
	const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => MIGRATION_FILE.test(f)).sort();
	const done = new Set(
		(await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map(
			(r) => r.version,
		),
	);
	const applied: AppliedMigration[] = [];
	for (const file of files) {
		const [, version, name] = MIGRATION_FILE.exec(file)!;
		if (done.has(version!)) continue;
		const sql = await readFile(join(dir, file), 'utf8');
		try {
			await client.query('begin');
			await client.query(sql);
			await client.query(
				'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
				[version, name, [sql]],
			);
			await client.query('commit');
		} catch (err) {
			await client.query('rollback').catch(() => {});
			const e = err as pg.DatabaseError;
			const where = e.position ? ` at character ${e.position}` : '';
			throw new Error(`Migration ${file} failed${where}: ${e.message}`, { cause: err });
		}
		applied.push({ version: version!, name: name! });
	}
	return applied;
}

/** `CREATE DATABASE … TEMPLATE` copies files, so a migrated template clones in tens of ms. */
export async function cloneDatabase(adminUrl: string, template: string, name: string): Promise<void> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		await client.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
	} finally {
		await client.end();
	}
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
	} finally {
		await client.end();
	}
}

export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}
