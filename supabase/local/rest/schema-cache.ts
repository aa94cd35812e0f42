import type pg from 'pg';

/** Schemas the API serves, as on Supabase (`db-schemas`); the first one is the default. */
export const EXPOSED_SCHEMAS = ['public', 'graphql_public'] as const;

export type Volatility = 'volatile' | 'stable' | 'immutable';

/** An input parameter of a function, in declaration order. */
export interface RoutineParam {
	/** '' for an unnamed parameter (callable only positionally, e.g. `f(json)`). */
	name: string;
	/** The declared type as `format_type` writes it, schema-qualified outside pg_catalog. */
	type: string;
	variadic: boolean;
	hasDefault: boolean;
}

/** What a function returns decides the response body's shape (protocol reference §2.5). */
export type ReturnShape = 'void' | 'scalar' | 'composite';

export interface Routine {
	schema: string;
	name: string;
	params: RoutineParam[];
	returnsSet: boolean;
	shape: ReturnShape;
	volatility: Volatility;
}

export interface Column {
	name: string;
	type: string;
}

export interface Table {
	schema: string;
	name: string;
	columns: Map<string, Column>;
	insertable: boolean;
}

export interface SchemaSnapshot {
	/** Overloads by `schema.name`. */
	routines: Map<string, Routine[]>;
	tables: Map<string, Table>;
	/** When the introspection started (ms since epoch); changes after it may be missing. */
	loadedAt: number;
}

// format_type writes every type outside pg_catalog schema-qualified under this search_path, so the
// names stay valid whatever search_path a request runs with.
const ROUTINES_SQL = `
select n.nspname as schema, p.proname as name, p.proretset as returns_set,
       p.provolatile as volatility,
       case when p.prorettype = 'pg_catalog.void'::pg_catalog.regtype then 'void'
            when rt.typtype = 'c' or (p.prorettype = 'pg_catalog.record'::pg_catalog.regtype
                                      and p.proargmodes && '{o,b,t}'::"char"[]) then 'composite'
            else 'scalar' end as shape,
       p.pronargdefaults as n_defaults,
       coalesce((
         select pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', coalesce(a.name, ''), 'type', pg_catalog.format_type(a.type, null), 'mode', a.mode)
                order by a.idx)
         from unnest(coalesce(p.proallargtypes, p.proargtypes::pg_catalog.oid[]),
                     coalesce(p.proargmodes, pg_catalog.array_fill('i'::"char", array[p.pronargs::int])),
                     p.proargnames) with ordinality as a(type, mode, name, idx)
         where a.mode in ('i', 'b', 'v')
       ), '[]') as params
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_type rt on rt.oid = p.prorettype
where n.nspname = any($1) and p.prokind = 'f'`;

const TABLES_SQL = `
select n.nspname as schema, c.relname as name,
       c.relkind in ('r', 'p') or (c.relkind in ('v', 'f') and pg_catalog.pg_relation_is_updatable(c.oid, true) & 8 = 8) as insertable,
       coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum)
                filter (where a.attnum is not null), '[]') as columns
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f')
group by n.nspname, c.relname, c.relkind, c.oid`;

interface RoutineRow {
	schema: string;
	name: string;
	returns_set: boolean;
	volatility: 'v' | 's' | 'i';
	shape: ReturnShape;
	n_defaults: number;
	params: { name: string; type: string; mode: 'i' | 'b' | 'v' }[];
}

interface TableRow {
	schema: string;
	name: string;
	insertable: boolean;
	columns: Column[];
}

const VOLATILITY: Record<RoutineRow['volatility'], Volatility> = { v: 'volatile', s: 'stable', i: 'immutable' };

/**
 * Functions and tables of the exposed schemas, as PostgREST's schema cache holds them. Requests
 * are served from memory; a lookup that misses reloads once (a migration may just have added the
 * object), as does an error that says the cache is stale. Concurrent reloads share one query.
 */
export class SchemaCache {
	#current: Promise<SchemaSnapshot> | undefined;

	constructor(private readonly pool: pg.Pool) {}

	/** The cached snapshot, loading it on first use. */
	snapshot(): Promise<SchemaSnapshot> {
		return this.#current ?? this.#start();
	}

	/** Reloads unless a load started at or after `since` (so a burst of misses costs one query). */
	async refresh(since: number): Promise<SchemaSnapshot> {
		const current = await this.snapshot().catch(() => undefined);
		if (current && current.loadedAt >= since) return current;
		return this.#start();
	}

	#start(): Promise<SchemaSnapshot> {
		const loading = this.#load();
		this.#current = loading;
		// A failed load must not stay cached: the next request tries again.
		loading.catch(() => {
			if (this.#current === loading) this.#current = undefined;
		});
		return loading;
	}

	async #load(): Promise<SchemaSnapshot> {
		const loadedAt = Date.now();
		const client = await this.pool.connect();
		let broken = false;
		const onError = () => {
			broken = true;
		};
		client.on('error', onError);
		try {
			const schemas = [...EXPOSED_SCHEMAS];
			await client.query("begin read only; set local search_path = 'pg_catalog'");
			const routines = await client.query<RoutineRow>(ROUTINES_SQL, [schemas]);
			const tables = await client.query<TableRow>(TABLES_SQL, [schemas]);
			await client.query('commit');
			return { routines: groupRoutines(routines.rows), tables: mapTables(tables.rows), loadedAt };
		} catch (err) {
			await client.query('rollback').catch(() => {
				broken = true;
			});
			throw err;
		} finally {
			client.off('error', onError);
			client.release(broken);
		}
	}
}

/** Types a single unnamed parameter may have for PostgREST to list the function at all. */
const UNNAMED_TYPES = new Set(['bytea', 'json', 'jsonb', 'text', 'xml']);

/**
 * PostgREST's `callable` (SchemaCache.hs): a function with unnamed parameters is served only
 * when there is exactly one and the first parameter is of a type a whole body can fill.
 */
function callable(row: RoutineRow): boolean {
	const unnamed = row.params.filter((p) => p.name === '').length;
	return unnamed === 0 || (unnamed === 1 && UNNAMED_TYPES.has(row.params[0]!.type));
}

/** PostgREST's `Ord Routine`: fewer parameters first, then parameter by parameter (name, type). */
function byPostgrestOrder(a: Routine, b: Routine): number {
	if (a.params.length !== b.params.length) return a.params.length - b.params.length;
	for (let i = 0; i < a.params.length; i++) {
		const x = a.params[i]!;
		const y = b.params[i]!;
		if (x.name !== y.name) return x.name < y.name ? -1 : 1;
		if (x.type !== y.type) return x.type < y.type ? -1 : 1;
	}
	return 0;
}

function groupRoutines(rows: RoutineRow[]): Map<string, Routine[]> {
	const routines = new Map<string, Routine[]>();
	for (const row of rows.filter(callable)) {
		const firstDefault = row.params.length - row.n_defaults;
		const routine: Routine = {
			schema: row.schema,
			name: row.name,
			returnsSet: row.returns_set,
			shape: row.shape,
			volatility: VOLATILITY[row.volatility],
			params: row.params.map((p, i) => ({
				name: p.name,
				type: p.type,
				variadic: p.mode === 'v',
				hasDefault: i >= firstDefault,
			})),
		};
		const key = `${row.schema}.${row.name}`;
		const list = routines.get(key);
		if (list) list.push(routine);
		else routines.set(key, [routine]);
	}
	for (const list of routines.values()) list.sort(byPostgrestOrder);
	return routines;
}

function mapTables(rows: TableRow[]): Map<string, Table> {
	return new Map(
		rows.map((row) => [
			`${row.schema}.${row.name}`,
			{
				schema: row.schema,
				name: row.name,
				insertable: row.insertable,
				columns: new Map(row.columns.map((c) => [c.name, c])),
			},
		]),
	);
}
