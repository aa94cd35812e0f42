import { restError } from './errors.ts';
import {
	defaultName,
	parseFilterField,
	parseOrder,
	parseSelect,
	type Field,
	type OrderTerm,
	type SelectEntry,
} from './grammar.ts';
import { arrayLiteral, BindParams, ident } from './sql.ts';

/**
 * The read part of a request's query string (select, horizontal filters, order, limit/offset),
 * parsed into data first and rendered to SQL second, so nothing from the URL reaches SQL except
 * as a quoted identifier or a bind parameter.
 */

/** `*` or an explicit list (which may itself contain `*`). */
export type Selection = { kind: 'all' } | { kind: 'columns'; items: SelectEntry[] };

type CompareOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike';

export type Condition =
	| { op: CompareOp; value: string }
	| { op: 'in'; values: string[] }
	| { op: 'is'; value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' };

export interface Filter {
	field: Field;
	negated: boolean;
	condition: Condition;
}

export interface ReadQuery {
	selection: Selection;
	filters: Filter[];
	order: OrderTerm[];
	limit?: number;
	offset: number;
}

/** Query-string keys that are never filters (or, for RPC via GET, arguments). */
export const RESERVED_PARAMS = new Set([
	'select',
	'order',
	'limit',
	'offset',
	'columns',
	'on_conflict',
	'and',
	'or',
	'not',
]);

const COMPARE_SQL: Record<CompareOp, string> = {
	eq: '=',
	neq: '<>',
	gt: '>',
	gte: '>=',
	lt: '<',
	lte: '<=',
	like: 'like',
	ilike: 'ilike',
};

const IS_VALUES = new Set(['null', 'not_null', 'true', 'false', 'unknown']);

const badParam = (message: string, details: string | null = null) => restError(400, 'PGRST100', message, details);

/** Whether a query value looks like `[not.]op.value` — the test PostgREST uses to tell filters apart. */
export function looksLikeFilter(value: string): boolean {
	return /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|in|is)\./.test(value);
}

/** Parses every non-reserved key of `query` except `skip` (RPC arguments) as a filter. */
export function parseReadQuery(query: URLSearchParams, skip: ReadonlySet<string> = new Set()): ReadQuery {
	const filters: Filter[] = [];
	for (const [key, value] of query) {
		if (RESERVED_PARAMS.has(key) || skip.has(key)) {
			if (key === 'and' || key === 'or' || key === 'not') {
				throw badParam(`"${key}" filters are not supported by the local API`, `${key}=${value}`);
			}
			continue;
		}
		filters.push(parseFilter(key, value));
	}
	const limit = query.get('limit');
	const offset = query.get('offset');
	return {
		selection: selection(query.get('select') ?? '*'),
		filters,
		order: query.get('order') ? parseOrder(query.get('order')!) : [],
		limit: limit === null ? undefined : parseCount('limit', limit),
		offset: offset === null ? 0 : parseCount('offset', offset),
	};
}

function parseCount(key: string, value: string): number {
	if (!/^\d+$/.test(value)) throw badParam(`"failed to parse ${key} parameter (${value})"`, null);
	return Number(value);
}

function parseFilter(key: string, raw: string): Filter {
	const field = parseFilterField(key);
	let rest = raw;
	let negated = false;
	if (rest.startsWith('not.')) {
		negated = true;
		rest = rest.slice(4);
	}
	const dot = rest.indexOf('.');
	const op = dot < 0 ? rest : rest.slice(0, dot);
	const value = dot < 0 ? '' : rest.slice(dot + 1);
	const fail = () => badParam(`"failed to parse filter (${raw})" (line 1, column 1)`, `unexpected "${raw}"`);
	if (dot < 0) throw fail();
	if (op in COMPARE_SQL) {
		const compare = op as CompareOp;
		const text = compare === 'like' || compare === 'ilike' ? value.replaceAll('*', '%') : value;
		return { field, negated, condition: { op: compare, value: text } };
	}
	if (op === 'in') {
		if (!value.startsWith('(') || !value.endsWith(')')) throw fail();
		const values = splitList(value.slice(1, -1));
		if (!values) throw fail();
		return { field, negated, condition: { op: 'in', values } };
	}
	if (op === 'is' && IS_VALUES.has(value.toLowerCase())) {
		return { field, negated, condition: { op: 'is', value: value.toLowerCase() as 'null' } };
	}
	throw fail();
}

/**
 * The elements of `in.(…)` as PostgREST's pListElement reads them: an element that starts with
 * `"` and ends with `"` right before `,` or the end is quoted (`\` escapes the next character);
 * any other element is taken as written, quotes included. Undefined when a bare `)` is left over.
 */
function splitList(text: string): string[] | undefined {
	if (text === '') return [];
	const items: string[] = [];
	let i = 0;
	for (;;) {
		let item: string | undefined;
		if (text[i] === '"') {
			let out = '';
			let j = i + 1;
			for (; j < text.length && text[j] !== '"'; j++) out += text[j] === '\\' ? (text[++j] ?? '') : text[j];
			if (j < text.length && (j + 1 === text.length || text[j + 1] === ',')) {
				item = out;
				i = j + 1;
			}
		}
		if (item === undefined) {
			const comma = text.indexOf(',', i);
			const end = comma < 0 ? text.length : comma;
			item = text.slice(i, end);
			if (item.includes(')')) return undefined;
			i = end;
		}
		items.push(item);
		if (i >= text.length) return items;
		i++; // the comma
	}
}

function selection(text: string): Selection {
	if (text === '' || text === '*') return { kind: 'all' };
	return { kind: 'columns', items: parseSelect(text) };
}

// Rendering ---------------------------------------------------------------------------------------

/**
 * A field as SQL: the quoted column, then each JSON step with its key or index as a bind
 * parameter. A path into a column that is not json/jsonb goes through `to_jsonb`, as PostgREST does.
 */
export function fieldSql(field: Field, from: string, params: BindParams, jsonColumns?: ReadonlySet<string>): string {
	const column = `${from}.${ident(field.name)}`;
	if (field.path.length === 0) return column;
	const base = jsonColumns && !jsonColumns.has(field.name) ? `pg_catalog.to_jsonb(${column})` : column;
	return (
		base + field.path.map((s) => `${s.arrow}${'key' in s ? params.add(s.key) : `${params.add(s.index)}::int`}`).join('')
	);
}

/** The columns the caller's row type has that are json/jsonb (undefined when unknown, e.g. RPC results). */
export type JsonColumns = ReadonlySet<string> | undefined;

export function selectSql(selection: Selection, from: string, params: BindParams, json: JsonColumns): string {
	if (selection.kind === 'all') return `${from}.*`;
	return selection.items
		.map((item) => {
			if (item.kind === 'star') return `${from}.*`;
			const value = fieldSql(item.field, from, params, json);
			const name = item.alias ?? defaultName(item.field);
			return `${item.cast ? `cast(${value} as ${item.cast})` : value} as ${ident(name)}`;
		})
		.join(', ');
}

/** `where …` for the filters (empty when there are none); values become bind parameters. */
export function whereSql(filters: readonly Filter[], from: string, params: BindParams, json: JsonColumns): string {
	if (filters.length === 0) return '';
	const terms = filters.map((f) => {
		const column = fieldSql(f.field, from, params, json);
		const c = f.condition;
		let sql: string;
		if (c.op === 'in') sql = `${column} = any(${params.add(arrayLiteral(c.values))})`;
		else if (c.op === 'is') sql = `${column} is ${c.value === 'not_null' ? 'not null' : c.value}`;
		else sql = `${column} ${COMPARE_SQL[c.op]} ${params.add(c.value)}`;
		return f.negated ? `not (${sql})` : sql;
	});
	return ` where ${terms.join(' and ')}`;
}

export function orderSql(order: readonly OrderTerm[], from: string, params: BindParams, json: JsonColumns): string {
	if (order.length === 0) return '';
	const terms = order.map(
		(t) =>
			`${fieldSql(t.field, from, params, json)}${t.direction ? ` ${t.direction}` : ''}${t.nulls ? ` nulls ${t.nulls}` : ''}`,
	);
	return ` order by ${terms.join(', ')}`;
}

export function pageSql(query: Pick<ReadQuery, 'limit' | 'offset'>, params: BindParams): string {
	const limit = query.limit === undefined ? '' : ` limit ${params.add(query.limit)}`;
	return `${limit}${query.offset ? ` offset ${params.add(query.offset)}` : ''}`;
}
