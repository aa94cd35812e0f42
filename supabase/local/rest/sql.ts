/**
 * The two ways text from a request reaches SQL: identifiers, quoted (and only ever ones the
 * schema cache or a strict parser vouched for), and values, always as bind parameters.
 */

/**
 * A quoted identifier; doubling `"` makes any string safe, whatever the caller validated. The
 * text stops at a NUL, as in PostgREST: the wire protocol ends a query string there.
 */
export function ident(name: string): string {
	const nul = name.indexOf('\0');
	const text = nul < 0 ? name : name.slice(0, nul);
	return `"${text.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, name: string): string {
	return `${ident(schema)}.${ident(name)}`;
}

/** Collects bind values for one statement and hands out their placeholders. */
export class BindParams {
	readonly values: unknown[] = [];

	/** The placeholder for `value`; strings go as text, typed by the context Postgres infers. */
	add(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

/**
 * A Postgres array literal (`{"a","b"}`) from already-split elements, for `= any($n)` binds.
 * Every element is quoted so commas, braces and spaces inside values stay data.
 */
export function arrayLiteral(elements: readonly string[]): string {
	return `{${elements.map((e) => `"${e.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
