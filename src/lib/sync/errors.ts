// What a failed server call means for the sync cycle. Pure: the cycle decides what to do with the
// answer (retry later, push a dependency first, quarantine, stop, refresh the session).

/** A failed call as supabase-js reports it: HTTP status (0 when no response came), SQLSTATE, text. */
export interface CallFailure {
	status: number;
	code?: string;
	message: string;
}

export type ForbiddenReason = 'not-member' | 'read-only' | 'foreign-actor' | 'other';

export type ErrorClass =
	/** Try again after a backoff: network, 5xx, 408/429, hosted statement and lock timeouts. */
	| { kind: 'retry'; reason: string }
	/** The push needs `hash` in the log first (B2's PT409); retry once it is pushed. */
	| { kind: 'missing-dependency'; hash: string | null; index: number | null }
	/** The server refused the input itself (22023): quarantine it, never retry. */
	| { kind: 'malformed'; index: number | null }
	| { kind: 'too-large'; index: number | null }
	/** 401: refresh the session once, then retry. */
	| { kind: 'unauthorized' }
	| { kind: 'forbidden'; reason: ForbiddenReason }
	/** Any other 4xx: retrying cannot help. */
	| { kind: 'fatal'; reason: string };

/** Hosted Supabase (G): statement timeout and lock timeout cancel the call; the next one may pass. */
const RETRYABLE_SQLSTATES = new Set(['57014', '55P03', '40001', '40P01', '53300']);

const changeIndex = (message: string): number | null => {
	const m = /change (\d+)/.exec(message);
	return m ? Number(m[1]) : null;
};

export function classifyError(failure: CallFailure): ErrorClass {
	const { status, code = '', message } = failure;
	if (code === 'PT409') {
		const hash = /missing dependency ([0-9a-f]{64})/i.exec(message)?.[1]?.toLowerCase() ?? null;
		return { kind: 'missing-dependency', hash, index: changeIndex(message) };
	}
	if (RETRYABLE_SQLSTATES.has(code)) return { kind: 'retry', reason: `${code}: ${message}` };
	if (status === 0) return { kind: 'retry', reason: `network: ${message}` };
	// 23505: the change reuses an (actor, seq) the log holds with other content; it can never pass.
	if (code === '22023' || code === '23505') return { kind: 'malformed', index: changeIndex(message) };
	if (code === 'PT413' || status === 413) return { kind: 'too-large', index: changeIndex(message) };
	if (status === 401) return { kind: 'unauthorized' };
	if (code === '42501' || status === 403) {
		if (/read-only/.test(message)) return { kind: 'forbidden', reason: 'read-only' };
		if (/not a member|deleted/.test(message)) return { kind: 'forbidden', reason: 'not-member' };
		if (/another member/.test(message)) return { kind: 'forbidden', reason: 'foreign-actor' };
		return { kind: 'forbidden', reason: 'other' };
	}
	if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason: `${status}: ${message}` };
	return { kind: 'fatal', reason: `${status}${code ? ` ${code}` : ''}: ${message}` };
}

/** A refused server call, carrying its classification so callers switch on data, not on text. */
export class ServerCallError extends Error {
	readonly failure: CallFailure;
	readonly class: ErrorClass;
	constructor(operation: string, failure: CallFailure) {
		super(`${operation}: ${failure.message}`);
		this.name = 'ServerCallError';
		this.failure = failure;
		this.class = classifyError(failure);
	}
}

export function isServerCallError(e: unknown): e is ServerCallError {
	return e instanceof ServerCallError;
}
