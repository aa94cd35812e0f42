import { restError } from './errors.ts';
import { looksLikeFilter, parseReadQuery, RESERVED_PARAMS } from './filters.ts';
import type { BodyPlan, BodyShape } from './body.ts';
import type { Accepting, JsonBody, Preferences } from './request.ts';
import { fuzzyBest } from './fuzzy.ts';
import type { Routine, RoutineParam, SchemaSnapshot } from './schema-cache.ts';
import { BindParams, ident, qualified } from './sql.ts';

/**
 * `/rpc/<fn>`: resolving the function from the schema cache by name and argument names, and the
 * statement that calls it (PostgREST's `callPlanToQuery`), arguments always as bind parameters.
 */

/**
 * Where the arguments came from: a JSON body (POST), a raw body for a function's single unnamed
 * text/xml/bytea parameter (POST with that media type), or the query string (GET/HEAD).
 */
export type RpcArgs =
	| { via: 'body'; body: JsonBody }
	| { via: 'raw'; media: RawMedia; bytes: Buffer }
	| { via: 'query'; values: Map<string, string> };

/** The media types PostgREST hands whole to a single unnamed parameter, with that parameter's type. */
export const RAW_MEDIA = { 'text/plain': 'text', 'text/xml': 'xml', 'application/octet-stream': 'bytea' } as const;
export type RawMedia = keyof typeof RAW_MEDIA;

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
	if (args.via === 'raw') return [];
	return args.body.kind === 'object' ? Object.keys(args.body.value) : [];
}

/**
 * PostgREST's findProc (Plan.hs): the overloads whose parameters the argument keys fit (every
 * required one given, nothing unknown) win; failing that, a function with a single unnamed
 * parameter that the request's media type can fill (json/jsonb for JSON, text, xml, bytea).
 * More than one in either group is PGRST203 listing that group, in the schema cache's order.
 */
export function resolveRoutine(
	schema: string,
	name: string,
	overloads: readonly Routine[],
	args: RpcArgs,
	snapshot: SchemaSnapshot,
): Routine {
	if (args.via === 'body' && args.body.kind !== 'object') {
		// Only `f(json)` takes a non-object body; PostgREST's bulk calls with arrays are not supported.
		const single = overloads.filter((r) => takesWholeBody(r, args));
		if (single.length === 1) return single[0]!;
		throw restError(400, 'PGRST102', 'Empty or invalid json', 'The body of an RPC call must be a JSON object');
	}
	const keys = new Set(argKeys(args));
	const named = overloads.filter((r) => matchesParams(r, keys, args));
	const fallback = overloads.filter((r) => !named.includes(r) && takesWholeBody(r, args));
	const group = named.length > 0 ? named : fallback;
	if (group.length === 1) return group[0]!;
	if (group.length > 1) throw ambiguous(group);
	throw rpcNotFound(schema, name, args, overloads, snapshot);
}

function matchesParams(routine: Routine, keys: ReadonlySet<string>, args: RpcArgs): boolean {
	if (routine.params.length === 0) return keys.size === 0 && args.via !== 'raw';
	const given = (p: RoutineParam) => keys.has(p.name);
	return (
		[...keys].every((k) => routine.params.some((p) => p.name === k)) &&
		routine.params.every((p) => p.hasDefault || given(p))
	);
}

function takesWholeBody(routine: Routine, args: RpcArgs): boolean {
	const [param, ...rest] = routine.params;
	if (!param || rest.length > 0 || param.name !== '' || args.via === 'query') return false;
	if (args.via === 'raw') return param.type === RAW_MEDIA[args.media];
	return param.type === 'json' || param.type === 'jsonb';
}

function ambiguous(routines: readonly Routine[]) {
	const list = routines.map(
		(r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`,
	);
	return restError(
		300,
		'PGRST203',
		`Could not choose the best candidate function between: ${list.join(', ')}`,
		null,
		'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
	);
}

/** Scores at or above this give a hint, as PostgREST up to v15 has it (`Fuzzy.getOne`; v16 asks 0.75 for names). */
const HINT_MIN_SCORE = 0.33;

/**
 * PGRST202 with PostgREST's message, details and hint (Error.hs). The hint is the fuzzy-closest
 * function name when the name has no overloads, else the fuzzy-closest overload's parameter
 * list; nothing when nothing is close, and never for a raw (text/xml/bytea) body.
 */
export function rpcNotFound(
	schema: string,
	name: string,
	args: RpcArgs,
	overloads: readonly Routine[],
	snapshot: SchemaSnapshot,
) {
	// PostgREST keeps argument keys in a set: they print sorted.
	const keys = [...new Set(argKeys(args))].sort();
	const list = keys.join(', ');
	const func = `${schema}.${name}`;
	const withParams = keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${list}`;
	if (args.via === 'raw') {
		return restError(
			404,
			'PGRST202',
			`Could not find the function ${func} in the schema cache`,
			`Searched for the function ${func} with a single unnamed ${RAW_MEDIA[args.media]} parameter, but no matches were found in the schema cache.`,
			null,
		);
	}
	const message = `Could not find the function ${func}${keys.length === 0 ? ' without parameters' : `(${list})`} in the schema cache`;
	const details = `Searched for the function ${func}${withParams}${args.via === 'body' ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`;
	const paramList = (names: readonly string[]) => `(${[...names].sort().join(', ')})`;
	let suggestion: string | undefined;
	if (overloads.length === 0) {
		const names = [...snapshot.routines.keys()]
			.filter((k) => k.startsWith(`${schema}.`))
			.map((k) => k.slice(schema.length + 1));
		suggestion = fuzzyBest(names, name, HINT_MIN_SCORE);
	} else {
		const lists = overloads.map((r) => paramList(r.params.map((p) => p.name)));
		const best = fuzzyBest(lists, paramList(keys), HINT_MIN_SCORE);
		suggestion = best === undefined ? undefined : `${name}${best}`;
	}
	return restError(
		404,
		'PGRST202',
		message,
		details,
		suggestion === undefined ? null : `Perhaps you meant to call the function ${schema}.${suggestion}`,
	);
}

/**
 * The call statement. JSON bodies go through `json_to_record($1::json)` with each parameter's
 * declared type, so Postgres converts every value with that type's input function, exactly as
 * PostgREST does (strings to dates, `\\x…` to bytea, JSON to json/jsonb). Query-string values are
 * bound as text and cast to the declared type.
 */
export interface CallRequest {
	routine: Routine;
	args: RpcArgs;
	method: string;
	query: URLSearchParams;
	/** Query keys that are filters on the result rather than arguments (GET). */
	filterKeys: ReadonlySet<string>;
	prefs: Preferences;
	accept: Accepting;
}

export function planCall({ routine, args, method, query, filterKeys, prefs, accept }: CallRequest): RpcCall {
	const params = new BindParams();
	const fn = qualified(routine.schema, routine.name);
	let from = '';
	let callArgs: string[] = [];
	const only = routine.params.length === 1 ? routine.params[0]! : undefined;
	if (only && only.name === '') {
		// PostgREST's OnePosParam: the whole body (or, for GET, the arguments as JSON) goes to the
		// one unnamed parameter, positionally; bytea travels as binary, the rest as text.
		const whole =
			args.via === 'raw'
				? only.type === 'bytea'
					? args.bytes
					: args.bytes.toString('utf8')
				: args.via === 'body'
					? args.body.text
					: JSON.stringify(Object.fromEntries(args.values));
		callArgs = [`${params.add(whole)}::${only.type}`];
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
