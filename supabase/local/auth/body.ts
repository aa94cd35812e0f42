import { fail, ok, type Result } from './errors.ts';

/** The JSON kinds GoTrue's request structs use: `string` fields and `map[string]interface{}` ones. */
type FieldKind = 'string' | 'object';
type FieldValue<K extends FieldKind> = K extends 'string' ? string : Record<string, unknown>;
export type Decoded<S extends Record<string, FieldKind>> = {
	[K in keyof S]?: FieldValue<S[K]>;
};

/**
 * Decodes a request body the way GoTrue's `retrieveRequestParams` (json.Unmarshal into a struct)
 * does: an empty body or invalid JSON is `bad_json`; `null` and missing or null fields are zero
 * values; unknown keys are ignored; a field of the wrong JSON type is `bad_json` with Go's wording.
 * `goType` names the struct in those messages, e.g. `SignupParams`.
 */
export function decodeBody<S extends Record<string, FieldKind>>(
	body: Buffer,
	goType: string,
	schema: S,
): Result<Decoded<S>> {
	let parsed: unknown;
	try {
		if (body.length === 0) throw new Error('unexpected end of JSON input');
		parsed = JSON.parse(body.toString('utf8'));
	} catch (err) {
		return badJson(err instanceof Error ? err.message : String(err));
	}
	if (parsed === null) return ok({});
	if (typeof parsed !== 'object' || Array.isArray(parsed)) {
		return badJson(`json: cannot unmarshal ${jsonKind(parsed)} into Go value of type api.${goType}`);
	}
	const source = parsed as Record<string, unknown>;
	const decoded: Record<string, unknown> = {};
	for (const [field, kind] of Object.entries(schema)) {
		const value = source[field];
		if (value === undefined || value === null) continue;
		const actual = jsonKind(value);
		if (actual !== kind) {
			const goKind = kind === 'string' ? 'string' : 'map[string]interface {}';
			return badJson(`json: cannot unmarshal ${actual} into Go struct field ${goType}.${field} of type ${goKind}`);
		}
		decoded[field] = value;
	}
	return ok(decoded as Decoded<S>);
}

function badJson(detail: string): Result<never> {
	return fail(400, 'bad_json', `Could not parse request body as JSON: ${detail}`);
}

function jsonKind(value: unknown): string {
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'boolean') return 'bool';
	return typeof value; // 'string' | 'number' | 'object'
}
