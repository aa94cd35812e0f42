import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims as Supabase puts them in its JWTs; only `role` and `exp` are required by the servers. */
export interface JwtClaims {
	role?: string;
	exp?: number;
	iat?: number;
	nbf?: number;
	sub?: string;
	aud?: string | string[];
	session_id?: string;
	[claim: string]: unknown;
}

export type JwtFailure = 'malformed' | 'signature' | 'expired' | 'not_yet_valid';

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; failure: JwtFailure; message: string };

/** PostgREST and GoTrue tolerate this much clock skew on exp/nbf/iat. */
const CLOCK_SKEW_SECONDS = 30;

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(claims: JwtClaims, secret: string): string {
	const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
	const payload = base64url(JSON.stringify(claims));
	const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
	return `${header}.${payload}.${signature}`;
}

/** Verifies an HS256 JWT. Never throws: any malformed input is a `malformed` failure. */
export function verifyJwt(token: string, secret: string, now = Date.now() / 1000): JwtResult {
	const parts = token.split('.');
	if (parts.length !== 3) return fail('malformed', 'token is not a JWT (expected three parts)');
	const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
	let header: unknown;
	let claims: unknown;
	try {
		header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
		claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
	} catch {
		return fail('malformed', 'token header or payload is not base64url JSON');
	}
	if (!isObject(header) || header.alg !== 'HS256') {
		return fail('malformed', `unsupported signing algorithm ${isObject(header) ? String(header.alg) : ''}`);
	}
	if (!isObject(claims)) return fail('malformed', 'token payload is not a JSON object');
	const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
	const given = Buffer.from(signaturePart, 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		return fail('signature', 'signature is invalid');
	}
	const c = claims as JwtClaims;
	if (typeof c.exp === 'number' && c.exp + CLOCK_SKEW_SECONDS < now) {
		return fail('expired', 'token has expired');
	}
	if (typeof c.nbf === 'number' && c.nbf - CLOCK_SKEW_SECONDS > now) {
		return fail('not_yet_valid', 'token is not valid yet');
	}
	return { ok: true, claims: c };
}

/** Reads the claims without checking the signature; for diagnostics only, never for decisions. */
export function peekClaims(token: string): JwtClaims | null {
	const payload = token.split('.')[1];
	if (!payload) return null;
	try {
		const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
		return isObject(parsed) ? (parsed as JwtClaims) : null;
	} catch {
		return null;
	}
}

function fail(failure: JwtFailure, message: string): JwtResult {
	return { ok: false, failure, message };
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
