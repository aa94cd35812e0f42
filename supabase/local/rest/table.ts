import { restError } from './errors.ts';
import type { BodyPlan } from './body.ts';
import { parseReadQuery, whereSql } from './filters.ts';
import type { Accepting, JsonBody, Preferences } from './request.ts';
import { fuzzyBest } from './fuzzy.ts';
import type { SchemaSnapshot, Table } from './schema-cache.ts';
import { BindParams, ident, qualified } from './sql.ts';

/**
 * Statements for `/<table>`: reads (GET/HEAD) and simple writes (insert, update and delete with
 * horizontal filters). Upserts and `columns`-less bulk tricks are out of scope; see service.ts.
 */

export type TableMethod = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';

export interface TableStatement {
	plan: BodyPlan;
	params: BindParams;
	readOnly: boolean;
	/** Whether the response carries the rows (reads always; writes with return=representation). */
	representation: boolean;
}

/** PGRST205, with PostgREST's fuzzy "Perhaps you meant" (score 0.33 or more, as up to v15). */
export function tableNotFound(snapshot: SchemaSnapshot, schema: string, name: string) {
	const names = [...snapshot.tables.values()].filter((t) => t.schema === schema).map((t) => t.name);
	const best = fuzzyBest(names, name, 0.33);
	return restError(
		404,
		'PGRST205',
		`Could not find the table '${schema}.${name}' in the schema cache`,
		null,
		best === undefined ? null : `Perhaps you meant the table '${schema}.${best}'`,
	);
}

export function planTable(
	table: Table,
	method: TableMethod,
	query: URLSearchParams,
	body: JsonBody | undefined,
	prefs: Preferences,
	accept: Accepting,
): TableStatement {
	const params = new BindParams();
	const read = parseReadQuery(query);
	const jsonColumns = new Set(
		[...table.columns.values()].filter((c) => c.type === 'json' || c.type === 'jsonb').map((c) => c.name),
	);
	const target = qualified(table.schema, table.name);
	const shape = accept.singleObject ? 'object' : 'array';
	if (method === 'GET' || method === 'HEAD') {
		return {
			params,
			readOnly: true,
			representation: true,
			plan: {
				source: target,
				read,
				jsonColumns,
				shape,
				count: prefs.count,
				stripNulls: accept.stripNulls,
				requireOne: accept.singleObject,
			},
		};
	}
	let dml: string;
	if (method === 'DELETE') {
		dml = `delete from ${target} _pgrst_src${whereSql(read.filters, '_pgrst_src', params, jsonColumns)}`;
	} else {
		const rows = bodyRows(body, method);
		const columns = bodyColumns(table, rows, query.get('columns'));
		const record = `${columns.map((c) => `${ident(c)} ${table.columns.get(c)!.type}`).join(', ')}`;
		if (method === 'POST') {
			const list = columns.map(ident).join(', ');
			dml =
				columns.length === 0
					? `insert into ${target} as _pgrst_src default values`
					: `insert into ${target} as _pgrst_src (${list}) select ${list} from pg_catalog.json_to_recordset(${params.add(JSON.stringify(rows))}::json) as _pgrst_body(${record})`;
			if (columns.length === 0 && rows.length !== 1) throw restError(400, 'PGRST102', 'Empty or invalid json');
		} else {
			if (columns.length === 0) throw restError(400, 'PGRST102', 'Empty or invalid json');
			const sets = columns.map((c) => `${ident(c)} = _pgrst_body.${ident(c)}`).join(', ');
			dml =
				`update ${target} _pgrst_src set ${sets} from pg_catalog.json_to_record(${params.add(JSON.stringify(rows[0]))}::json) as _pgrst_body(${record})` +
				whereSql(read.filters, '_pgrst_src', params, jsonColumns);
		}
	}
	const representation = prefs.return === 'representation';
	return {
		params,
		readOnly: false,
		representation,
		plan: {
			with: `with pgrst_source as (${dml} returning ${representation ? '_pgrst_src.*' : '1'})`,
			source: 'pgrst_source',
			// Filters already chose the rows the statement touched; select and order shape the output.
			read: { ...read, filters: [], limit: undefined, offset: 0 },
			jsonColumns,
			shape: representation ? shape : 'none',
			count: prefs.count,
			stripNulls: accept.stripNulls,
			requireOne: accept.singleObject && representation,
		},
	};
}

function bodyRows(body: JsonBody | undefined, method: TableMethod): Record<string, unknown>[] {
	if (body?.kind === 'object') return [body.value];
	if (
		body?.kind === 'array' &&
		method === 'POST' &&
		body.value.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))
	) {
		return body.value as Record<string, unknown>[];
	}
	throw restError(400, 'PGRST102', 'Empty or invalid json');
}

/** The columns written: `?columns=` when given (supabase-js sends it for arrays), else the keys. */
function bodyColumns(table: Table, rows: Record<string, unknown>[], columnsParam: string | null): string[] {
	const names = columnsParam
		? columnsParam.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
		: [...new Set(rows.flatMap((r) => Object.keys(r)))];
	for (const name of names) {
		if (!table.columns.has(name)) {
			throw restError(400, 'PGRST204', `Could not find the '${name}' column of '${table.name}' in the schema cache`);
		}
	}
	return names;
}
