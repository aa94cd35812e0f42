import type { Caller } from '../callers.ts';
import { translateOpaqueKey } from '../callers.ts';
import type { ApiConfig } from '../context.ts';
import { peekClaims, verifyJwt } from '../jwt.ts';

/**
 * Token rules of Realtime (`user_socket.ex`, `realtime_channel.ex`): a JWT signed with the project
 * secret that carries `role` and `exp`, with `exp` strictly in the future (no clock-skew leeway,
 * unlike PostgREST). `sb_` keys are translated to their JWTs first (§0.3).
 */
export type TokenCheck =
	| { ok: true; caller: Caller; exp: number }
	| { ok: false; failure: 'missing' | 'malformed' | 'signature' | 'claims' | 'expired'; message: string };

export function checkRealtimeToken(token: string | undefined | null, config: ApiConfig, now = Date.now()): TokenCheck {
	if (!token) return { ok: false, failure: 'missing', message: 'API key is missing' };
	const jwt = translateOpaqueKey(token, config);
	const result = verifyJwt(jwt, config.jwtSecret, now / 1000);
	if (!result.ok && result.failure === 'signature') {
		return { ok: false, failure: 'signature', message: 'Failed to validate JWT signature' };
	}
	// verifyJwt checks the signature before expiry, so an 'expired' token's claims are authentic.
	const claims = result.ok ? result.claims : result.failure === 'expired' ? peekClaims(jwt) : null;
	if (!claims) return { ok: false, failure: 'malformed', message: 'The token provided is not a valid JWT' };
	if (typeof claims.role !== 'string' || !claims.role || typeof claims.exp !== 'number') {
		return { ok: false, failure: 'claims', message: 'Fields `role` and `exp` are required in JWT' };
	}
	if (claims.exp * 1000 <= now) {
		const ago = Math.floor((now - claims.exp * 1000) / 1000);
		return { ok: false, failure: 'expired', message: `Token has expired ${ago} seconds ago` };
	}
	return { ok: true, caller: { role: claims.role, claims, token: jwt }, exp: claims.exp };
}
