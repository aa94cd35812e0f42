import { restError } from './errors.ts';
import { looksLikeFilter, parseReadQuery, RESERVED_PARAMS } from './filters.ts';
import type { BodyPlan, BodyShape } from './body.ts';
import type { Accepting, JsonBody, Preferences } from './request.ts';
import type { Routine, SchemaSnapshot } from './schema-cache.ts';
import { BindParams, ident, qualified } from './sql.ts';

/**
 * `/rpc/<fn>`: resolving the function from the schema cache by name and argument names, and the
 * statement that calls it (PostgREST's `callPlanToQuery`), arguments always as bind parameters.
 */

/** Where the arguments came from: a JSON body (POST) or the query string (GET/HEAD). */
export type RpcArgs = { via: 'body'; body: JsonBody } | { via: 'query'; values: Map<string, string> };

export interface RpcCall {
	routine: Routine;
	plan: BodyPlan;
	params: BindParams;
	readOnly: boolean;
}

/**
 * Splits a GET query string into arguments and filters. A key naming a parameter of any overload
 * is an argument; other keys are filters when their value reads like one (`id=eq.1`), else
 * arguments (so an unknown one yields PGRST202, not a confusing filter error).
 */
export function queryArgs(
	query: URLSearchParams,
	overloads: readonly Routine[],
): { values: Map<string, string>; filterKeys: Set<string> } {
	const paramNames = new Set(overloads.flatMap((r) => r.params.map((p) => p.name)));
	const values = new Map<string, string>();
	const filterKeys = new Set<string>();
	for (const [key, value] of query) {
		if (RESERVED_PARAMS.has(key)) continue;
		if (!paramNames.has(key) && looksLikeFilter(value)) filterKeys.add(key);
		else values.set(key, value);
	}
	return { values, filterKeys };
}

function argKeys(args: RpcArgs): string[] {
	if (args.via === 'query') return [...args.values.keys()];
	return args.body.kind === 'object' ? Object.keys(args.body.value) : [];
}

const isJsonType = (type: string) => type === 'json' || type === 'jsonb';

/** The overload a call means, or PGRST202 / PGRST203 exactly as PostgREST words them. */
export function resolveRoutine(
	schema: string,
	name: string,
	overloads: readonly Routine[],
	args: RpcArgs,
): { routine: Routine; singleJson: boolean } {
	const single =
		args.via === 'body'
			? overloads.find((r) => r.params.length === 1 && r.params[0]!.name === '' && isJsonType(r.params[0]!.type))
			: undefined;
	if (args.via === 'body' && args.body.kind !== 'object') {
		// Only `f(json)` takes a non-object body; PostgREST's bulk calls with arrays are not supported.
		if (single) return { routine: single, singleJson: true };
		throw restError(400, 'PGRST102', 'Empty or invalid json', 'The body of an RPC call must be a JSON object');
	}
	const keys = argKeys(args);
	const keySet = new Set(keys);
	const matches = overloads.filter(
		(r) =>
			keys.every((k) => r.params.some((p) => p.name === k)) &&
			r.params.every((p) => p.hasDefault || keySet.has(p.name)),
	);
	if (matches.length === 1) return { routine: matches[0]!, singleJson: false };
	if (matches.length > 1) {
		const list = matches.map((r) => `${schema}.${name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`);
		throw restError(
			300,
			'PGRST203',
			`Could not choose the best candidate function between: ${list.join(', ')}`,
			null,
			'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
		);
	}
	if (single) return { routine: single, singleJson: true };
	throw rpcNotFound(schema, name, args, overloads, null);
}

/** PGRST202; `nameHint` is the "did you mean" for a name with no overloads at all. */
export function rpcNotFound(
	schema: string,
	name: string,
	args: RpcArgs,
	overloads: readonly Routine[],
	nameHint: string | null,
) {
	const keys = argKeys(args);
	const viaBody = args.via === 'body';
	const sorted = [...keys].sort();
	const list = sorted.join(', ');
	const func = `${schema}.${name}`;
	const message = `Could not find the function ${func}${sorted.length === 0 ? ' without parameters' : `(${list})`} in the schema cache`;
	const searched =
		sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${list}`;
	const details = `Searched for the function ${func}${searched}${viaBody ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`;
	// PostgREST suggests the closest overload's parameter list (or a similar name, see rpcHint).
	const closest = overloads[0];
	const hint = closest
		? `Perhaps you meant to call the function ${func}(${closest.params
				.map((p) => p.name)
				.sort()
				.join(', ')})`
		: nameHint;
	return restError(404, 'PGRST202', message, details, hint);
}

/** For an unknown name: PostgREST's fuzzy "did you mean", approximated by edit distance. */
export function rpcHint(snapshot: SchemaSnapshot, schema: string, name: string): string | null {
	let best: { name: string; distance: number } | undefined;
	for (const key of snapshot.routines.keys()) {
		if (!key.startsWith(`${schema}.`)) continue;
		const candidate = key.slice(schema.length + 1);
		const distance = editDistance(candidate, name);
		if (distance <= Math.max(2, Math.floor(name.length / 3)) && (!best || distance < best.distance))
			best = { name: candidate, distance };
	}
	return best ? `Perhaps you meant to call the function ${schema}.${best.name}` : null;
}

export function editDistance(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		prev = row;
	}
	return prev[b.length]!;
}

/**
 * The call statement. JSON bodies go through `json_to_record($1::json)` with each parameter's
 * declared type, so Postgres converts every value with that type's input function, exactly as
 * PostgREST does (strings to dates, `\\x…` to bytea, JSON to json/jsonb). Query-string values are
 * bound as text and cast to the declared type.
 */
export interface CallRequest {
	routine: Routine;
	/** The whole body goes to the one unnamed json/jsonb parameter. */
	singleJson: boolean;
	args: RpcArgs;
	method: string;
	query: URLSearchParams;
	/** Query keys that are filters on the result rather than arguments (GET). */
	filterKeys: ReadonlySet<string>;
	prefs: Preferences;
	accept: Accepting;
}

export function planCall({
	routine,
	singleJson,
	args,
	method,
	query,
	filterKeys,
	prefs,
	accept,
}: CallRequest): RpcCall {
	const params = new BindParams();
	const fn = qualified(routine.schema, routine.name);
	let from = '';
	let callArgs: string[] = [];
	if (singleJson && args.via === 'body') {
		callArgs = [`${params.add(args.body.text)}::${routine.params[0]!.type}`];
	} else {
		const given = routine.params.filter((p) => argKeys(args).includes(p.name));
		const prefix = (p: Routine['params'][number]) => `${p.variadic ? 'variadic ' : ''}${ident(p.name)} := `;
		if (args.via === 'body' && given.length > 0) {
			from = `pg_catalog.json_to_record(${params.add(args.body.text)}::json) as _pgrst_args(${given.map((p) => `${ident(p.name)} ${p.type}`).join(', ')}), lateral `;
			callArgs = given.map((p) => `${prefix(p)}_pgrst_args.${ident(p.name)}`);
		} else if (args.via === 'query') {
			callArgs = given.map((p) => `${prefix(p)}${params.add(args.values.get(p.name))}::${p.type}`);
		}
	}
	const call = `${fn}(${callArgs.join(', ')})`;
	const columns =
		routine.shape === 'composite' ? 'pgrst_call.*' : routine.shape === 'scalar' ? 'pgrst_call.pgrst_scalar' : '1';
	const alias = routine.shape === 'scalar' ? 'pgrst_call(pgrst_scalar)' : 'pgrst_call';
	const shape = shapeOf(routine, accept);
	const read = parseReadQuery(
		query,
		args.via === 'query' ? new Set([...query.keys()].filter((k) => !filterKeys.has(k))) : new Set(),
	);
	return {
		routine,
		params,
		readOnly: method === 'GET' || method === 'HEAD' || routine.volatility !== 'volatile',
		plan: {
			with: `with pgrst_source as (select ${columns} from ${from}${call} ${alias})`,
			source: 'pgrst_source',
			read,
			shape,
			count: prefs.count,
			stripNulls: accept.stripNulls,
			requireOne: accept.singleObject && routine.returnsSet,
		},
	};
}

function shapeOf(routine: Routine, accept: Accepting): BodyShape {
	if (routine.shape === 'void') return 'none';
	if (routine.shape === 'scalar') return routine.returnsSet && !accept.singleObject ? 'scalar-array' : 'scalar';
	return routine.returnsSet && !accept.singleObject ? 'array' : 'object';
}
