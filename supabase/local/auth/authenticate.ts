import type { IncomingHttpHeaders } from 'node:http';
import type pg from 'pg';
import { translateOpaqueKey } from '../callers.ts';
import type { ApiConfig } from '../context.ts';
import { bearerToken } from '../http.ts';
import { verifyJwt, type JwtClaims, type JwtFailure } from '../jwt.ts';
import { fail, ok, type Result } from './errors.ts';
import { sessionExists } from './sessions.ts';
import { findUserById, isBanned, type UserRow } from './users.ts';
import { isUuid, NIL_UUID } from './validate.ts';

/** The signed-in caller of /user and /logout. */
export interface Authenticated {
	user: UserRow;
	claims: JwtClaims;
	/** Null when the token carries no session (no `session_id`, or the nil uuid). */
	sessionId: string | null;
}

/** golang-jwt's wording, which GoTrue puts after "unable to parse or verify signature, ". */
const JWT_DETAIL: Record<JwtFailure, string> = {
	malformed: 'token is malformed: could not JSON decode header or payload',
	signature: 'token signature is invalid: signature is invalid',
	expired: 'token has invalid claims: token is expired',
	not_yet_valid: 'token has invalid claims: token is not valid yet',
};

/**
 * GoTrue's requireAuthentication: a Bearer JWT signed with the project secret, whose `sub` is an
 * existing user and whose `session_id` (if any) is a live session. Unlike PostgREST, GoTrue allows
 * no clock skew on `exp`/`nbf`.
 */
export async function authenticate(
	db: pg.Pool,
	headers: IncomingHttpHeaders,
	config: ApiConfig,
): Promise<Result<Authenticated>> {
	const bearer = bearerToken(headers);
	if (!bearer) return fail(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
	// The gateway swaps opaque sb_ keys for the anon / service_role JWT before GoTrue sees them.
	const verified = verifyJwt(translateOpaqueKey(bearer, config), config.jwtSecret);
	const now = Date.now() / 1000;
	let failure: JwtFailure | undefined = verified.ok ? undefined : verified.failure;
	if (verified.ok && typeof verified.claims.exp === 'number' && now >= verified.claims.exp) failure = 'expired';
	if (verified.ok && typeof verified.claims.nbf === 'number' && now < verified.claims.nbf) failure = 'not_yet_valid';
	if (failure || !verified.ok) {
		return fail(
			403,
			'bad_jwt',
			`invalid JWT: unable to parse or verify signature, ${JWT_DETAIL[failure ?? 'malformed']}`,
		);
	}
	const claims = verified.claims;
	const sub = typeof claims.sub === 'string' ? claims.sub : '';
	if (sub === '') return fail(403, 'bad_jwt', 'invalid claim: missing sub claim');
	if (!isUuid(sub)) return fail(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
	const user = await findUserById(db, sub);
	if (!user) return fail(403, 'user_not_found', 'User from sub claim in JWT does not exist');

	let sessionId: string | null = null;
	const sid = typeof claims.session_id === 'string' ? claims.session_id : '';
	if (sid !== '' && sid !== NIL_UUID) {
		if (!isUuid(sid)) return fail(403, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');
		if (!(await sessionExists(db, sid))) {
			return fail(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
		}
		sessionId = sid;
	}
	if (isBanned(user)) return fail(403, 'user_banned', 'User is banned');
	return ok({ user, claims, sessionId });
}
