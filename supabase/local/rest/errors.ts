import { json, type ApiResponse } from '../http.ts';

/** PostgREST's error body ("verbose" format, Error.hs): every field is always present. */
export interface PgrstErrorBody {
	code: string;
	details: string | null;
	hint: string | null;
	message: string;
}

/** An error that already knows its HTTP answer; everything the service throws on purpose is one. */
export class RestError extends Error {
	readonly status: number;
	readonly body: PgrstErrorBody;
	readonly headers: Record<string, string>;

	constructor(status: number, body: PgrstErrorBody, headers: Record<string, string> = {}, options?: ErrorOptions) {
		super(body.message, options);
		this.name = 'RestError';
		this.status = status;
		this.body = body;
		this.headers = headers;
	}
}

export function restError(
	status: number,
	code: string,
	message: string,
	details: string | null = null,
	hint: string | null = null,
): RestError {
	return new RestError(status, { code, details, hint, message });
}

export function errorResponse(error: RestError): ApiResponse {
	const headers: Record<string, string> = { 'proxy-status': `PostgREST; error=${error.body.code}`, ...error.headers };
	if (error.status === 401) headers['www-authenticate'] ??= 'Bearer';
	return json(error.status, error.body, headers);
}

/** The fields of a `pg` DatabaseError that matter here (it carries more). */
interface PgError {
	code: string;
	message: string;
	detail?: string;
	hint?: string;
}

export function isPgError(err: unknown): err is PgError {
	const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
	return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

const NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'EHOSTUNREACH',
	'ECONNABORTED',
]);

/** Whether `err` is `pg` / `pg-pool` saying the database is unreachable (not a query error). */
export function isConnectionError(err: unknown): boolean {
	if (!(err instanceof Error)) return false;
	const code = (err as { code?: unknown }).code;
	if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
	return /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|connect ECONN/i.test(
		err.message,
	);
}

/**
 * Turns what a request's database work threw into the answer PostgREST would give, or null for
 * a bug of ours (the server's catch-all logs it with its stack). Connection failures (refused,
 * reset, pool timeout) are 503, which supabase-js retries for GET, as PostgREST answers while it
 * reconnects.
 */
export function toRestError(err: unknown, role: string): RestError | null {
	if (err instanceof RestError) return err;
	if (!isPgError(err)) {
		if (!isConnectionError(err)) return null;
		const text = err instanceof Error ? err.message : String(err);
		return new RestError(
			503,
			{ code: 'PGRST001', details: text, hint: null, message: 'Database client error. Retrying the connection.' },
			{},
			{ cause: err },
		);
	}
	if (err.code === 'PGRST') return raisedPgrstError(err);
	return new RestError(
		statusForSqlState(err.code, err.message, role),
		{ code: err.code, details: err.detail ?? null, hint: err.hint ?? null, message: err.message },
		{},
		{ cause: err },
	);
}

/** PostgREST's `mapSQLtoHTTP` (Error.hs), including its special cases. */
export function statusForSqlState(code: string, message: string, role: string): number {
	const cls = code.slice(0, 2);
	if (code === '42501') return role === 'anon' ? 401 : 403;
	if (code === 'P0001') return 400;
	if (cls === 'P0') return 500;
	if (code === '23505' || code === '23503') return 409;
	if (code === '22023' && /^role ".*" does not exist$/.test(message)) return 401;
	if (cls === '22') return 400;
	if (code === '42883' || code === '42P01') return 404;
	if (code === '42P17') return 500;
	if (code === '25006') return 405;
	if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
	if (cls === '08') return 503;
	if (code === '53400') return 500;
	if (cls === '53') return 503;
	// Shutdown, crash and start-up: the database is (briefly) unavailable, not broken.
	if (code === '57P01' || code === '57P02' || code === '57P03') return 503;
	if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
	if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'XX'].includes(cls)) return 500;
	if (['0L', '0P', '28'].includes(cls)) return 403;
	return 400;
}

/**
 * `raise sqlstate 'PGRST' using message = '{"code":…,"message":…}', detail = '{"status":…,"headers":{…}}'`
 * gives the function full control of the response (PostgREST ≥ 11). Malformed JSON in either
 * part is PGRST121, as there.
 */
function raisedPgrstError(err: PgError): RestError {
	try {
		const body = JSON.parse(err.message) as Partial<Record<keyof PgrstErrorBody, unknown>>;
		const detail = JSON.parse(err.detail ?? '') as { status?: unknown; headers?: unknown };
		const status = typeof detail.status === 'number' ? detail.status : 500;
		const headers: Record<string, string> = {};
		if (detail.headers && typeof detail.headers === 'object') {
			for (const [k, v] of Object.entries(detail.headers)) headers[k.toLowerCase()] = String(v);
		}
		const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v));
		return new RestError(
			status,
			{
				code: text(body.code) ?? '',
				details: text(body.details),
				hint: text(body.hint),
				message: text(body.message) ?? '',
			},
			headers,
		);
	} catch {
		return restError(
			500,
			'PGRST121',
			'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
			`Invalid JSON value for ${err.detail === undefined ? 'DETAIL' : 'MESSAGE or DETAIL'} field: ${err.message}`,
			null,
		);
	}
}
