import { restError } from './errors.ts';
import { arrayLiteral, BindParams, ident, isSafeTypeName } from './sql.ts';

/**
 * The read part of a request's query string (select, horizontal filters, order, limit/offset),
 * parsed into data first and rendered to SQL second, so nothing from the URL reaches SQL except
 * as a quoted identifier or a bind parameter.
 */

export interface SelectItem {
	column: string;
	alias?: string;
	cast?: string;
}

/** `*` or an explicit list. */
export type Selection = { kind: 'all' } | { kind: 'columns'; items: SelectItem[] };

type CompareOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike';

export type Condition =
	| { op: CompareOp; value: string }
	| { op: 'in'; values: string[] }
	| { op: 'is'; value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' };

export interface Filter {
	column: string;
	negated: boolean;
	condition: Condition;
}

export interface OrderTerm {
	column: string;
	direction: 'asc' | 'desc';
	nulls?: 'first' | 'last';
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
		selection: parseSelect(query.get('select') ?? '*'),
		filters,
		order: parseOrder(query.get('order')),
		limit: limit === null ? undefined : parseCount('limit', limit),
		offset: offset === null ? 0 : parseCount('offset', offset),
	};
}

function parseCount(key: string, value: string): number {
	if (!/^\d+$/.test(value)) throw badParam(`"failed to parse ${key} parameter (${value})"`, null);
	return Number(value);
}

function parseFilter(column: string, raw: string): Filter {
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
		return { column, negated, condition: { op: compare, value: text } };
	}
	if (op === 'in') {
		if (!value.startsWith('(') || !value.endsWith(')')) throw fail();
		return { column, negated, condition: { op: 'in', values: splitList(value.slice(1, -1)) } };
	}
	if (op === 'is' && IS_VALUES.has(value.toLowerCase())) {
		return { column, negated, condition: { op: 'is', value: value.toLowerCase() as 'null' } };
	}
	throw fail();
}

/** Splits `a,"b,c",d` as PostgREST does: double quotes protect commas; `\` escapes inside them. */
function splitList(text: string): string[] {
	if (text === '') return [];
	const items: string[] = [];
	let current = '';
	let quoted = false;
	let wasQuoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (quoted && c === '\\' && i + 1 < text.length) current += text[++i];
		else if (c === '"') {
			quoted = !quoted;
			wasQuoted = true;
		} else if (c === ',' && !quoted) {
			items.push(wasQuoted ? current : current.trim());
			current = '';
			wasQuoted = false;
		} else current += c;
	}
	items.push(wasQuoted ? current : current.trim());
	return items;
}

function parseSelect(text: string): Selection {
	if (text === '' || text === '*') return { kind: 'all' };
	const items: SelectItem[] = [];
	for (const part of splitList(text)) {
		if (part === '*') return { kind: 'all' };
		if (/[()!]/.test(part)) {
			throw badParam('Embedded resources are not supported by the local API', `select=${text}`);
		}
		const match = /^(?:([^:]+):(?!:))?(.+?)(?:::(.+))?$/.exec(part);
		if (!match || !match[2]) throw badParam(`"failed to parse select parameter (${text})"`);
		const [, alias, column, cast] = match;
		if (cast !== undefined && !isSafeTypeName(cast)) throw badParam(`"failed to parse select parameter (${text})"`);
		items.push({ column: column!, ...(alias ? { alias } : {}), ...(cast ? { cast } : {}) });
	}
	return { kind: 'columns', items };
}

function parseOrder(text: string | null): OrderTerm[] {
	if (!text) return [];
	return splitList(text).map((term) => {
		const parts = term.split('.');
		const column = parts[0]!;
		let direction: OrderTerm['direction'] = 'asc';
		let nulls: OrderTerm['nulls'];
		for (const modifier of parts.slice(1)) {
			if (modifier === 'asc' || modifier === 'desc') direction = modifier;
			else if (modifier === 'nullsfirst') nulls = 'first';
			else if (modifier === 'nullslast') nulls = 'last';
			else throw badParam(`"failed to parse order (${text})" (line 1, column 1)`, `unexpected "${modifier}"`);
		}
		return { column, direction, ...(nulls ? { nulls } : {}) };
	});
}

// Rendering ---------------------------------------------------------------------------------------

export function selectSql(selection: Selection, from: string): string {
	if (selection.kind === 'all') return `${from}.*`;
	return selection.items
		.map((item) => {
			const column = `${from}.${ident(item.column)}`;
			const value = item.cast ? `${column}::${item.cast}` : column;
			return `${value} as ${ident(item.alias ?? item.column)}`;
		})
		.join(', ');
}

/** `where …` for the filters (empty when there are none); values become bind parameters. */
export function whereSql(filters: readonly Filter[], from: string, params: BindParams): string {
	if (filters.length === 0) return '';
	const terms = filters.map((f) => {
		const column = `${from}.${ident(f.column)}`;
		const c = f.condition;
		let sql: string;
		if (c.op === 'in') sql = `${column} = any(${params.add(arrayLiteral(c.values))})`;
		else if (c.op === 'is') sql = `${column} is ${c.value === 'not_null' ? 'not null' : c.value}`;
		else sql = `${column} ${COMPARE_SQL[c.op]} ${params.add(c.value)}`;
		return f.negated ? `not (${sql})` : sql;
	});
	return ` where ${terms.join(' and ')}`;
}

export function orderSql(order: readonly OrderTerm[], from: string): string {
	if (order.length === 0) return '';
	const terms = order.map((t) => `${from}.${ident(t.column)} ${t.direction}${t.nulls ? ` nulls ${t.nulls}` : ''}`);
	return ` order by ${terms.join(', ')}`;
}

export function pageSql(query: Pick<ReadQuery, 'limit' | 'offset'>, params: BindParams): string {
	const limit = query.limit === undefined ? '' : ` limit ${params.add(query.limit)}`;
	return `${limit}${query.offset ? ` offset ${params.add(query.offset)}` : ''}`;
}
