import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';

/**
 * The schema the migrations build passes the checks of Supabase's linter (splinter) that apply to
 * it, read from the catalog so that every later migration is held to them too. Each check is also
 * run against a planted violation, so none can pass by finding nothing at all.
 */
const api = await startTestStack();

/** The schemas the migrations own: everything but Postgres's and the platform's. */
const APP_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'auth', 'realtime',
	'extensions', 'supabase_migrations', 'storage', 'graphql', 'graphql_public', 'vault', 'pgsodium')
	and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;

/** Each check lists offenders as "schema.object" names; none is the only answer allowed. */
const CHECKS = {
	'every foreign key has an index that starts with its columns (splinter 0001)': `
		select c.conrelid::regclass::text || ' ' || c.conname as offender
		from pg_constraint c join pg_namespace n on n.oid = c.connamespace
		where ${APP_SCHEMAS} and c.contype = 'f'
		  and not exists (
		    select from pg_index i
		    where i.indrelid = c.conrelid
		      and (select array_agg(k order by k) from unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k)
		          = (select array_agg(k order by k) from unnest(c.conkey) k))`,
	'every function has a fixed search_path (splinter 0011)': `
		select p.oid::regprocedure::text as offender
		from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		where ${APP_SCHEMAS}
		  and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`,
	'every security definer function runs with an empty search_path': `
		select p.oid::regprocedure::text as offender
		from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		where ${APP_SCHEMAS} and p.prosecdef and not ('search_path=""' = any(coalesce(p.proconfig, '{}')))`,
	'no security definer function can be executed by anon (splinter 0028)': `
		select p.oid::regprocedure::text as offender
		from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		where ${APP_SCHEMAS} and p.prosecdef and has_function_privilege('anon', p.oid, 'execute')`,
	'row level security is enabled on every table in public (splinter 0013)': `
		select c.oid::regclass::text as offender
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity`,
	// As splinter's auth_rls_initplan: a bare auth.uid() in a policy is evaluated for every row.
	'policies call auth.uid() and friends once per statement, through a subselect (splinter 0003)': `
		select p.schemaname || '.' || p.tablename || ' ' || p.policyname as offender
		from pg_policies p, lateral (values (coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''))) q (expr)
		where (q.expr ~ 'auth\\.(uid|jwt|role|email)\\(\\)' and q.expr !~* 'select auth\\.(uid|jwt|role|email)\\(\\)')
		   or (q.expr ~ 'current_setting\\(' and q.expr !~* 'select current_setting\\(')`,
} as const;
type Check = keyof typeof CHECKS;

async function offenders(db: Pick<pg.ClientBase, 'query'>, check: Check): Promise<string[]> {
	const { rows } = await db.query<{ offender: string }>(`${CHECKS[check]} order by 1`);
	return rows.map((r) => r.offender);
}

test('there are tables, security definer functions, foreign keys and policies to check', async () => {
	const { rows } = await api.pool.query<Record<string, number>>(
		`select (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
		          where ${APP_SCHEMAS} and c.relkind = 'r') as tables,
		        (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		          where ${APP_SCHEMAS} and p.prosecdef) as definers,
		        (select count(*)::int from pg_constraint c join pg_namespace n on n.oid = c.connamespace
		          where ${APP_SCHEMAS} and c.contype = 'f') as foreign_keys,
		        (select count(*)::int from pg_policies) as policies`,
	);
	for (const count of Object.values(rows[0]!)) expect(count).toBeGreaterThan(2);
});

describe('the migrated schema', () => {
	test.each(Object.keys(CHECKS) as Check[])('%s', async (check) => {
		expect(await offenders(api.pool, check)).toEqual([]);
	});
});

describe('each check finds a planted violation', () => {
	/** What to plant for each check, and the offender it must then report. */
	const PLANTED: Record<Check, [sql: string, offender: string]> = {
		'every foreign key has an index that starts with its columns (splinter 0001)': [
			'create table public.lint_probe (trip_id uuid references public.trips (id))',
			'lint_probe lint_probe_trip_id_fkey',
		],
		'every function has a fixed search_path (splinter 0011)': [
			'create function public.lint_probe() returns int language sql as $$ select 1 $$',
			'lint_probe()',
		],
		'every security definer function runs with an empty search_path': [
			`create function public.lint_probe() returns int language sql security definer set search_path = public
			 as $$ select 1 $$`,
			'lint_probe()',
		],
		'no security definer function can be executed by anon (splinter 0028)': [
			`create function public.lint_probe() returns int language sql security definer set search_path = ''
			 as $$ select 1 $$`,
			'lint_probe()',
		],
		'row level security is enabled on every table in public (splinter 0013)': [
			'create table public.lint_probe (id int)',
			'lint_probe',
		],
		'policies call auth.uid() and friends once per statement, through a subselect (splinter 0003)': [
			`create table public.lint_probe (owner uuid);
			 create policy "per row" on public.lint_probe for select using (owner = auth.uid())`,
			'public.lint_probe per row',
		],
	};

	test.each(Object.keys(PLANTED) as Check[])('%s', async (check) => {
		const [sql, offender] = PLANTED[check];
		const client = await api.pool.connect();
		try {
			await client.query('begin');
			// Planted as postgres, the role migrations run as.
			await client.query('set local role postgres');
			await client.query(sql);
			expect(await offenders(client, check)).toContain(offender);
		} finally {
			await client.query('rollback');
			client.release();
		}
	});
});
