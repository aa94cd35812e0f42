import { validateHeaderName, validateHeaderValue } from 'node:http';
import type pg from 'pg';
import { restError } from './errors.ts';
import { orderSql, pageSql, selectSql, whereSql, type ReadQuery } from './filters.ts';
import type { BindParams } from './sql.ts';

/**
 * The one statement that reads a request's rows and builds its JSON body inside Postgres
 * (`json_agg`, as PostgREST does), so every type serializes exactly as there: bigint as a number,
 * timestamptz as ISO text, bytea as "\\x…". Node never parses the body; it forwards the text.
 */

/** How the rows become the body (protocol reference §2.5). */
export type BodyShape =
	/** Rows as an array of objects. */
	| 'array'
	/** Exactly one row as an object (`Accept: application/vnd.pgrst.object+json`, composite RPC). */
	| 'object'
	/** The `pgrst_scalar` column of the single row, bare. */
	| 'scalar'
	/** The `pgrst_scalar` column of every row, as an array. */
	| 'scalar-array'
	/** No body at all (void functions). */
	| 'none';

export interface BodyPlan {
	/** `with …` clause defining the source, if it needs one. */
	with?: string;
	/** A FROM item: a table or the CTE name. */
	source: string;
	read: ReadQuery;
	/** The source's json/jsonb columns, when known: JSON paths into other columns go through to_jsonb. */
	jsonColumns?: ReadonlySet<string>;
	shape: BodyShape;
	count: boolean;
	stripNulls: boolean;
	/** Whether a row count other than one must fail (single-object Accept on a set). */
	requireOne: boolean;
}

export interface BodyResult {
	total: number | undefined;
	pageTotal: number;
	body: string | undefined;
	/** Set by the function through `response.status` / `response.headers` GUCs. */
	status: number | undefined;
	headers: Record<string, string>;
}

interface BodyRow {
	total: string | null;
	page_total: string;
	body: string | null;
	response_headers: string | null;
	response_status: string | null;
}

export function bodySql(plan: BodyPlan, params: BindParams): string {
	const src = '_pgrst_src';
	const json = plan.jsonColumns;
	const where = whereSql(plan.read.filters, src, params, json);
	const scalar = plan.shape === 'scalar' || plan.shape === 'scalar-array';
	const columns = scalar ? `${src}.pgrst_scalar` : selectSql(plan.read.selection, src, params, json);
	const order = orderSql(plan.read.order, src, params, json);
	const inner = `select ${columns} from ${plan.source} ${src}${where}${order}${pageSql(plan.read, params)}`;
	const total = plan.count ? `(select pg_catalog.count(*) from ${plan.source} ${src}${where})` : 'null::bigint';
	return (
		`${plan.with ?? ''} select ${total} as total, pg_catalog.count(*) as page_total, ${bodyExpr(plan)} as body,` +
		` nullif(pg_catalog.current_setting('response.headers', true), '') as response_headers,` +
		` nullif(pg_catalog.current_setting('response.status', true), '') as response_status` +
		` from (${inner}) _pgrst_t`
	);
}

function bodyExpr(plan: BodyPlan): string {
	const strip = (sql: string) => (plan.stripNulls ? `pg_catalog.json_strip_nulls(${sql})` : sql);
	switch (plan.shape) {
		case 'array':
			return `coalesce(${strip('pg_catalog.json_agg(_pgrst_t)')}, '[]')::text`;
		case 'object':
			return `coalesce(${strip('pg_catalog.json_agg(_pgrst_t) -> 0')}, 'null')::text`;
		case 'scalar':
			return `coalesce(pg_catalog.json_agg(_pgrst_t.pgrst_scalar) -> 0, 'null')::text`;
		case 'scalar-array':
			return `coalesce(pg_catalog.json_agg(_pgrst_t.pgrst_scalar), '[]')::text`;
		case 'none':
			return 'null::text';
	}
}

export async function runBody(
	client: pg.PoolClient,
	plan: BodyPlan,
	sql: string,
	params: BindParams,
): Promise<BodyResult> {
	const { rows } = await client.query<BodyRow>(sql, params.values);
	const row = rows[0]!;
	const pageTotal = Number(row.page_total);
	if (plan.requireOne && pageTotal !== 1) {
		throw restError(
			406,
			'PGRST116',
			'Cannot coerce the result to a single JSON object',
			`The result contains ${pageTotal} rows`,
		);
	}
	return {
		total: row.total === null ? undefined : Number(row.total),
		pageTotal,
		body: plan.shape === 'none' ? undefined : (row.body ?? undefined),
		status: responseStatus(row.response_status),
		headers: responseHeaders(row.response_headers),
	};
}

function responseStatus(text: string | null): number | undefined {
	if (text === null) return undefined;
	const status = Number(text);
	if (!Number.isInteger(status) || status < 100 || status > 599) {
		throw restError(500, 'PGRST112', 'Invalid response.status GUC', `Status code is not a valid integer: ${text}`);
	}
	return status;
}

/** `response.headers` is a JSON array of single-key objects: `[{"X-Foo":"bar"}]`. */
function responseHeaders(text: string | null): Record<string, string> {
	if (text === null) return {};
	const invalid = () =>
		restError(
			500,
			'PGRST111',
			'Invalid response.headers GUC',
			'response.headers GUC must be a JSON array composed of objects with a single key and a string value',
		);
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw invalid();
	}
	if (!Array.isArray(parsed)) throw invalid();
	const headers: Record<string, string> = {};
	for (const entry of parsed) {
		if (!entry || typeof entry !== 'object') throw invalid();
		for (const [name, value] of Object.entries(entry)) {
			if (typeof value !== 'string') throw invalid();
			try {
				validateHeaderName(name);
				validateHeaderValue(name, value);
			} catch {
				throw invalid();
			}
			headers[name.toLowerCase()] = value;
		}
	}
	return headers;
}

/**
 * `Content-Range` and the status PostgREST derives from it: 206 when a count shows the page is
 * partial, 416 when the offset lies past the end.
 */
export function rangeOf(offset: number, result: BodyResult): { status: number; contentRange: string } {
	const total = result.total === undefined ? '*' : String(result.total);
	const contentRange = result.pageTotal === 0 ? `*/${total}` : `${offset}-${offset + result.pageTotal - 1}/${total}`;
	if (result.total === undefined) return { status: 200, contentRange };
	if (offset > result.total) {
		throw restError(
			416,
			'PGRST103',
			'Requested range not satisfiable',
			`An offset of ${offset} was requested, but there are only ${result.total} rows.`,
		);
	}
	return { status: result.pageTotal < result.total ? 206 : 200, contentRange };
}
