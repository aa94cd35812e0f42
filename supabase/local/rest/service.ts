import { callerFromHeaders, type Caller } from '../callers.ts';
import type { StackContext } from '../context.ts';
import { headerValue, type ApiRequest, type ApiResponse, type ServiceHandler } from '../http.ts';
import { bodySql, rangeOf, runBody, type BodyPlan, type BodyResult } from './body.ts';
import { errorResponse, isPgError, RestError, restError, toRestError } from './errors.ts';
import {
	headersForGuc,
	parseAccept,
	parseJsonBody,
	parsePreferences,
	requestSchema,
	type Accepting,
	type Preferences,
} from './request.ts';
import { planCall, queryArgs, RAW_MEDIA, resolveRoutine, type RawMedia, type RpcArgs } from './rpc.ts';
import { SchemaCache, type SchemaSnapshot } from './schema-cache.ts';
import type { BindParams } from './sql.ts';
import { planTable, tableNotFound, type TableMethod } from './table.ts';
import { inRequestTransaction, type RestIdentity } from './transaction.ts';

/**
 * The PostgREST-compatible service behind `/rest/v1`: `/rpc/<fn>` and `/<table>`, each in one
 * transaction as the caller's role (protocol reference §2). Writes to tables cover insert, update
 * and delete with horizontal filters; upserts (`Prefer: resolution=…`) answer 501.
 */
export function createRestService(ctx: StackContext): { handle: ServiceHandler } {
	const cache = new SchemaCache(ctx.pool);
	return {
		handle: async (req) => {
			const started = Date.now();
			let role = 'anon';
			try {
				const caller = authenticate(req, ctx);
				role = caller.role;
				return await withSchemaRetry(cache, started, (snapshot) => route(ctx, cache, snapshot, req, caller, started));
			} catch (err) {
				const error = toRestError(err, role);
				if (!error) throw err;
				if (error.status === 503)
					ctx.log(`rest: ${req.method} ${req.path}: ${error.body.details ?? error.body.message}`);
				return errorResponse(error);
			}
		},
	};
}

function authenticate(req: ApiRequest, ctx: StackContext): Caller {
	const result = callerFromHeaders(req.headers, ctx.config);
	if (result.ok) return result.caller;
	const expiredOrEarly = result.failure === 'expired' || result.failure === 'not_yet_valid';
	const message =
		result.failure === 'expired'
			? 'JWT expired'
			: result.failure === 'not_yet_valid'
				? 'JWT not yet valid'
				: jwtDecodeMessage(result.failure, result.message);
	throw new RestError(
		401,
		{ code: expiredOrEarly ? 'PGRST303' : 'PGRST301', details: null, hint: null, message },
		// The message can quote attacker-chosen token text: keep the header printable ASCII.
		{
			'www-authenticate': `Bearer error="invalid_token", error_description="${message.replace(/[^\x20-\x7e]|"/g, '?')}"`,
		},
	);
}

function jwtDecodeMessage(failure: string, detail: string): string {
	return failure === 'signature' ? 'JWT cryptographic operation failed' : `JWT decode failed: ${detail}`;
}

/** Errors that mean the cached schema no longer matches the database (an object was replaced). */
const STALE_SCHEMA_CODES = new Set(['42883', '42P01', '42804', '0A000', '42P13']);

/**
 * Runs a request against the cached schema; if the database says the cache is stale, reloads it
 * and runs once more (the failed attempt was rolled back, so retrying repeats no effects).
 */
async function withSchemaRetry(
	cache: SchemaCache,
	started: number,
	run: (snapshot: SchemaSnapshot) => Promise<ApiResponse>,
): Promise<ApiResponse> {
	const snapshot = await cache.snapshot();
	try {
		return await run(snapshot);
	} catch (err) {
		if (!isPgError(err) || !STALE_SCHEMA_CODES.has(err.code) || snapshot.loadedAt >= started) throw err;
		return run(await cache.refresh(started));
	}
}

/** What every request carries into its handler, parsed once. */
interface Served {
	ctx: StackContext;
	cache: SchemaCache;
	req: ApiRequest;
	schema: string;
	prefs: Preferences;
	accept: Accepting;
	identity: Omit<RestIdentity, 'readOnly'>;
	started: number;
}

async function route(
	ctx: StackContext,
	cache: SchemaCache,
	snapshot: SchemaSnapshot,
	req: ApiRequest,
	caller: Caller,
	started: number,
): Promise<ApiResponse> {
	const schema = requestSchema(req.method, req.headers);
	const segments = pathSegments(req.path);
	const served: Served = {
		ctx,
		cache,
		req,
		schema,
		prefs: parsePreferences(req.headers),
		accept: parseAccept(req.headers),
		identity: {
			role: caller.role,
			claims: caller.claims,
			method: req.method,
			path: req.path,
			headers: headersForGuc(req.headers),
			schema,
		},
		started,
	};
	if (segments[0] === 'rpc' && segments.length === 2) return serveRpc(served, snapshot, segments[1]!);
	if (segments.length !== 1) throw restError(404, 'PGRST125', `Invalid path specified in request URL`);
	return serveTable(served, snapshot, segments[0]!);
}

async function serveRpc(
	{ ctx, cache, req, schema, prefs, accept, identity, started }: Served,
	snapshot: SchemaSnapshot,
	name: string,
): Promise<ApiResponse> {
	if (!['GET', 'HEAD', 'POST'].includes(req.method)) throw methodNotAllowed(req.method);
	let overloads = snapshot.routines.get(`${schema}.${name}`);
	if (!overloads) {
		snapshot = await cache.refresh(started);
		overloads = snapshot.routines.get(`${schema}.${name}`) ?? [];
	}
	const viaQuery = req.method !== 'POST';
	const { values, filterKeys } = queryArgs(req.query, overloads);
	const args = rpcArgs(req, viaQuery, values);
	const routine = resolveRoutine(schema, name, overloads, args, snapshot);
	const call = planCall({
		routine,
		args,
		method: req.method,
		query: req.query,
		filterKeys: viaQuery ? filterKeys : new Set(),
		prefs,
		accept,
	});
	const executed = await execute(ctx, { ...identity, readOnly: call.readOnly }, call.plan, call.params);
	if (call.plan.shape === 'none') return { status: executed.result.status ?? 204, headers: executed.result.headers };
	return respond(req.method, executed, call.routine.returnsSet ? 'range' : 'single');
}

/** POST bodies of a raw media type (text/plain, text/xml, octet-stream) are not JSON; PostgREST reads JSON otherwise. */
function rpcArgs(req: ApiRequest, viaQuery: boolean, values: Map<string, string>): RpcArgs {
	if (viaQuery) return { via: 'query', values };
	const media = (headerValue(req.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (media in RAW_MEDIA) return { via: 'raw', media: media as RawMedia, bytes: req.body };
	return { via: 'body', body: parseJsonBody(req.body) };
}

async function serveTable(
	{ ctx, cache, req, schema, prefs, accept, identity, started }: Served,
	snapshot: SchemaSnapshot,
	name: string,
): Promise<ApiResponse> {
	if (!['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].includes(req.method)) throw methodNotAllowed(req.method);
	const method = req.method as TableMethod;
	if (method === 'POST' && /resolution=/.test(String(req.headers.prefer ?? ''))) {
		throw restError(501, 'PGRST127', 'Upsert (Prefer: resolution) is not implemented by the local API');
	}
	let table = snapshot.tables.get(`${schema}.${name}`);
	if (!table) {
		snapshot = await cache.refresh(started);
		table = snapshot.tables.get(`${schema}.${name}`);
		if (!table) throw tableNotFound(snapshot, schema, name);
	}
	const body = method === 'POST' || method === 'PATCH' ? parseJsonBody(req.body) : undefined;
	const statement = planTable(table, method, req.query, body, prefs, accept);
	const executed = await execute(ctx, { ...identity, readOnly: statement.readOnly }, statement.plan, statement.params);
	if (method === 'GET' || method === 'HEAD') return respond(method, executed, 'range');
	const { result } = executed;
	const status = result.status ?? (method === 'POST' ? 201 : statement.representation ? 200 : 204);
	const contentRange = result.total === undefined ? '*/*' : `*/${result.total}`;
	if (!statement.representation) return { status, headers: { 'content-range': contentRange, ...result.headers } };
	return {
		status,
		headers: { 'content-type': JSON_TYPE, 'content-range': contentRange, ...result.headers },
		body: result.body,
	};
}

function pathSegments(path: string): string[] {
	try {
		return path.split('/').filter(Boolean).map(decodeURIComponent);
	} catch {
		throw restError(404, 'PGRST125', 'Invalid path specified in request URL');
	}
}

const JSON_TYPE = 'application/json; charset=utf-8';

function methodNotAllowed(method: string): RestError {
	return restError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
}

interface Executed {
	result: BodyResult;
	range: { status: number; contentRange: string };
}

async function execute(
	ctx: StackContext,
	identity: RestIdentity,
	plan: BodyPlan,
	params: BindParams,
): Promise<Executed> {
	const sql = bodySql(plan, params);
	return inRequestTransaction(ctx.pool, identity, async (client) => {
		try {
			const result = await runBody(client, plan, sql, params);
			// 406 (runBody) and 416 (rangeOf) are decided before COMMIT: as in PostgREST, nothing is kept.
			return { commit: true, value: { result, range: rangeOf(plan.read.offset, result) } };
		} catch (error) {
			return { commit: false, error };
		}
	});
}

function respond(method: string, { result, range }: Executed, kind: 'range' | 'single'): ApiResponse {
	const status = result.status ?? (kind === 'range' ? range.status : 200);
	const headers = { 'content-type': JSON_TYPE, 'content-range': range.contentRange, ...result.headers };
	return { status, headers, body: method === 'HEAD' ? undefined : result.body };
}
