import { restError } from './errors.ts';

/**
 * PostgREST's query-string grammar for fields (QueryParams.hs): a column name, an optional JSON
 * path (`->key`, `->>key`, `->0`), in `select=` an alias and a `::cast`, in `order=` a direction
 * and a nulls order. A parser, not a pattern: whatever it does not recognise is PGRST100 with
 * PostgREST's message shape, so no request text can reach SQL unless it is one of these pieces.
 */

export type JsonStep = { arrow: '->' | '->>'; key: string } | { arrow: '->' | '->>'; index: string };

/** A column and the JSON path into it. */
export interface Field {
	name: string;
	path: JsonStep[];
}

export interface SelectField {
	kind: 'field';
	field: Field;
	alias?: string;
	cast?: string;
}

export type SelectEntry = SelectField | { kind: 'star' };

export interface OrderTerm {
	field: Field;
	direction?: 'asc' | 'desc';
	nulls?: 'first' | 'last';
}

class ParseFailure extends Error {
	constructor(
		readonly index: number,
		readonly detail: string,
	) {
		super(detail);
	}
}

/** A cursor over one parameter's text; positions are reported 1-based, as Parsec does. */
class Cursor {
	index = 0;
	constructor(readonly text: string) {}

	get done(): boolean {
		return this.index >= this.text.length;
	}
	peek(n = 1): string {
		return this.text.slice(this.index, this.index + n);
	}
	take(literal: string): boolean {
		if (!this.text.startsWith(literal, this.index)) return false;
		this.index += literal.length;
		return true;
	}
	fail(expecting: string): never {
		const found = this.done ? 'end of input' : JSON.stringify(this.text[this.index]);
		throw new ParseFailure(this.index, `unexpected ${found} expecting ${expecting}`);
	}
	skipSpaces(): void {
		while (/\s/.test(this.text[this.index] ?? '')) this.index++;
	}
}

// PostgREST's pIdentifierChar: letter, digit, '_', ' ' or '$' (the result is trimmed).
const IDENTIFIER_CHAR = /[\p{L}0-9_ $]/u;

function identifier(c: Cursor): string {
	const start = c.index;
	while (!c.done && IDENTIFIER_CHAR.test(c.peek())) c.index++;
	const word = c.text.slice(start, c.index).trim();
	if (word === '') {
		c.index = start;
		c.fail('field name (* or [a..z0..9_$])');
	}
	return word;
}

/** `"…"` with `\` escaping the next character. */
function quoted(c: Cursor): string {
	c.take('"');
	let out = '';
	for (;;) {
		if (c.done) c.fail('"\\"" (closing quote)');
		const ch = c.peek();
		c.index++;
		if (ch === '"') return out;
		if (ch === '\\') {
			if (c.done) c.fail('escaped character');
			out += c.peek();
			c.index++;
		} else out += ch;
	}
}

/** pFieldName: a quoted name, or identifiers joined by `-` (a `-` before `>` is an arrow). */
function fieldName(c: Cursor): string {
	if (c.peek() === '"') return quoted(c);
	const parts = [identifier(c)];
	while (c.peek() === '-' && c.peek(2) !== '->') {
		c.index++;
		parts.push(identifier(c));
	}
	return parts.join('-');
}

function jsonPath(c: Cursor): JsonStep[] {
	const steps: JsonStep[] = [];
	for (;;) {
		const arrow = c.take('->>') ? '->>' : c.take('->') ? '->' : undefined;
		if (!arrow) return steps;
		const index = /^-?\d+(?=->|::|\.|,|$)/.exec(c.text.slice(c.index));
		if (index) {
			c.index += index[0].length;
			steps.push({ arrow, index: index[0].startsWith('-') ? index[0] : `+${index[0]}` });
		} else steps.push({ arrow, key: fieldName(c) });
	}
}

function field(c: Cursor): Field {
	const name = fieldName(c);
	return { name, path: jsonPath(c) };
}

/**
 * The type of a `::cast`. PostgREST pastes the cast into SQL unquoted, trusting its character
 * set; here a word becomes a quoted identifier (folded to lower case, as Postgres folds unquoted
 * names) unless it is one of SQL's keyword type names, which only work unquoted. So nothing of
 * the request is ever pasted: only quoted identifiers or words from the list below.
 */
const KEYWORD_TYPES = new Map<string, string>(
	[
		'bigint',
		'bit',
		'bit varying',
		'boolean',
		'char',
		'character',
		'character varying',
		'dec',
		'decimal',
		'double precision',
		'float',
		'int',
		'integer',
		'interval',
		'national character',
		'national character varying',
		'nchar',
		'numeric',
		'real',
		'smallint',
		'time',
		'time with time zone',
		'time without time zone',
		'timestamp',
		'timestamp with time zone',
		'timestamp without time zone',
		'varchar',
	].map((t) => [t, t]),
);

function castType(c: Cursor): string {
	const start = c.index;
	const words = identifier(c).toLowerCase().split(/\s+/);
	const phrase = words.join(' ');
	const keyword = KEYWORD_TYPES.get(phrase);
	if (keyword) return keyword;
	if (words.length === 1 && /^[\p{L}_][\p{L}0-9_$]*$/u.test(phrase)) return `"${phrase}"`;
	c.index = start;
	c.fail('a type name');
}

function endOfItem(c: Cursor, allowed: string): void {
	c.skipSpaces();
	if (!c.done && c.peek() !== ',') c.fail(allowed);
}

function selectEntry(c: Cursor): SelectEntry {
	c.skipSpaces();
	if (c.take('*')) {
		endOfItem(c, '"," or end of input');
		return { kind: 'star' };
	}
	if (c.peek(2) === '..') throw notSupported;
	// An alias is a field name followed by one ':' (two begin a cast).
	let alias: string | undefined;
	const start = c.index;
	try {
		const name = fieldName(c);
		if (c.peek() === ':' && c.peek(2) !== '::') {
			c.index++;
			alias = name;
		} else c.index = start;
	} catch (err) {
		if (!(err instanceof ParseFailure)) throw err;
		c.index = start;
	}
	const parsed = field(c);
	if (c.peek() === '(' || c.peek() === '!') throw notSupported;
	const cast = c.take('::') ? castType(c) : undefined;
	endOfItem(c, 'letter, digit, "-", "->>", "->", "::", "," or end of input');
	return { kind: 'field', field: parsed, ...(alias !== undefined ? { alias } : {}), ...(cast ? { cast } : {}) };
}

function orderTerm(c: Cursor): OrderTerm {
	c.skipSpaces();
	const parsed = field(c);
	const term: OrderTerm = { field: parsed };
	if (c.take('.asc')) term.direction = 'asc';
	else if (c.take('.desc')) term.direction = 'desc';
	if (c.take('.nullsfirst')) term.nulls = 'first';
	else if (c.take('.nullslast')) term.nulls = 'last';
	if (c.peek() === '.')
		c.fail(term.direction ? '"nullsfirst" or "nullslast"' : '"asc", "desc", "nullsfirst" or "nullslast"');
	endOfItem(c, '"," or end of input');
	return term;
}

/** Thrown (and turned into PGRST100) for embedding, spreads and aggregates: valid PostgREST, not here. */
const notSupported = new ParseFailure(-1, 'embedded resources are not supported by the local API');

function list<T>(text: string, key: string, what: string, item: (c: Cursor) => T): T[] {
	const c = new Cursor(text);
	try {
		const items = [item(c)];
		while (c.take(',')) items.push(item(c));
		if (!c.done) c.fail('"," or end of input');
		return items;
	} catch (err) {
		if (!(err instanceof ParseFailure)) throw err;
		if (err === notSupported) {
			throw restError(400, 'PGRST100', 'Embedded resources are not supported by the local API', `${key}=${text}`);
		}
		throw parseError(what, text, err);
	}
}

function parseError(what: string, text: string, err: ParseFailure) {
	return restError(
		400,
		'PGRST100',
		`"failed to parse ${what} (${text})" (line 1, column ${err.index + 1})`,
		err.detail,
	);
}

export function parseSelect(text: string): SelectEntry[] {
	return list(text, 'select', 'select parameter', selectEntry);
}

export function parseOrder(text: string): OrderTerm[] {
	return list(text, 'order', 'order', orderTerm);
}

/** A filter's key (`col` or `col->path`); dotted embed paths are not supported. */
export function parseFilterField(text: string): Field {
	const c = new Cursor(text);
	try {
		const parsed = field(c);
		if (!c.done) c.fail('"->>", "->" or end of input');
		return parsed;
	} catch (err) {
		if (!(err instanceof ParseFailure)) throw err;
		throw parseError('tree path', text, err);
	}
}

/** The name a JSON path selects under when it has no alias: its last key, as in PostgREST. */
export function defaultName(f: Field): string {
	for (let i = f.path.length - 1; i >= 0; i--) {
		const step = f.path[i]!;
		if ('key' in step) return step.key;
	}
	return f.name;
}
