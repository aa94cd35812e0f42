import type { IncomingHttpHeaders } from 'node:http';
import type { ApiConfig } from './context.ts';
import { bearerToken, headerValue } from './http.ts';
import { verifyJwt, type JwtClaims, type JwtFailure } from './jwt.ts';

/** Who is calling, as PostgREST and Realtime decide it: the verified claims of a JWT. */
export interface Caller {
	role: string;
	claims: JwtClaims;
	/** The JWT the caller presented (after sb_ key translation). */
	token: string;
}

export type CallerResult = { ok: true; caller: Caller } | { ok: false; failure: JwtFailure; message: string };

/**
 * Resolves a key or token to verified claims. New-style opaque keys are translated to the
 * anon / service_role JWT, as the Supabase gateway does (protocol reference §0.3).
 */
export function callerFromToken(token: string, config: ApiConfig): CallerResult {
	const jwt = translateOpaqueKey(token, config);
	const result = verifyJwt(jwt, config.jwtSecret);
	if (!result.ok) return result;
	const role = typeof result.claims.role === 'string' && result.claims.role ? result.claims.role : 'anon';
	return { ok: true, caller: { role, claims: { ...result.claims, role }, token: jwt } };
}

/** The caller of an HTTP request: `Authorization: Bearer`, else the `apikey` header, else anon. */
export function callerFromHeaders(headers: IncomingHttpHeaders, config: ApiConfig): CallerResult {
	const token = bearerToken(headers) ?? headerValue(headers, 'apikey') ?? config.anonKey;
	return callerFromToken(token, config);
}

export function translateOpaqueKey(token: string, config: ApiConfig): string {
	if (token.startsWith('sb_secret_')) return config.serviceRoleKey;
	if (token.startsWith('sb_publishable_')) return config.anonKey;
	return token;
}
