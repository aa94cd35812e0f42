import { json, type ApiResponse } from '../http.ts';

/**
 * An error as GoTrue reports it. `code` is GoTrue's error code string (apierrors/errorcode.go);
 * auth-js turns it into `error.code`, and `status` into `error.status`.
 */
export interface AuthError {
	readonly status: number;
	readonly code: string;
	readonly message: string;
	/** Only for `weak_password`: auth-js reads it into `AuthWeakPasswordError.reasons`. */
	readonly weakPassword?: { reasons: string[] };
}

/** Result of any auth operation that can fail in a way the client should see. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AuthError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(status: number, code: string, message: string): Result<T> => ({
	ok: false,
	error: { status, code, message },
});

/** auth-js sends this version and, when the response echoes it, reads `code` as the error code. */
export const API_VERSION_HEADERS = {
	'x-supabase-api-version': '2024-01-01',
} as const;

/**
 * The 2024-01-01 error body, plus the legacy `error_code`/`msg` keys: older clients that did not
 * send the version header read those, newer ones ignore them (protocol reference §1.4).
 */
export function errorResponse(error: AuthError): ApiResponse {
	const body: Record<string, unknown> = {
		code: error.code,
		error_code: error.code,
		message: error.message,
		msg: error.message,
	};
	if (error.weakPassword) body.weak_password = error.weakPassword;
	return json(error.status, body, {
		...API_VERSION_HEADERS,
		'x-sb-error-code': error.code,
	});
}

export const INVALID_LOGIN = 'Invalid login credentials';

/** Postgres unreachable or restarting: a 5xx makes auth-js raise AuthRetryableFetchError and retry. */
export const DATABASE_UNAVAILABLE: AuthError = {
	status: 503,
	code: 'unexpected_failure',
	message: 'Database is unavailable, please retry',
};

export const UNEXPECTED_FAILURE: AuthError = {
	status: 500,
	code: 'unexpected_failure',
	message: 'Unexpected failure, please check server logs for more information',
};

/** Connection-level failures (as opposed to a query that Postgres rejected). */
export function isDatabaseUnavailable(err: unknown): boolean {
	if (!(err instanceof Error)) return false;
	const code = (err as { code?: unknown }).code;
	if (typeof code === 'string') {
		// 08xxx connection exceptions, 53xxx out of connections/memory, 57P01-03 admin shutdown /
		// crash / cannot connect now, and a database closed to connections (ALLOW_CONNECTIONS false).
		if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-3]$/.test(code)) return true;
		if (code === '55000' && /not currently accepting connections/.test(err.message)) return true;
		if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) return true;
	}
	return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
		err.message,
	);
}
