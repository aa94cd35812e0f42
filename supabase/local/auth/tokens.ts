import { randomInt } from 'node:crypto';
import type { ApiConfig } from '../context.ts';
import { signJwt, type JwtClaims } from '../jwt.ts';
import { userJson } from './user-json.ts';
import type { IdentityRow, UserRow } from './users.ts';

/** One entry of the `amr` claim: how and when the session was authenticated. */
export interface AmrEntry {
	method: string;
	timestamp: number;
}

/** What a session contributes to its access tokens. */
export interface SessionClaims {
	id: string;
	aal: string;
	/** Most recent first, as GoTrue orders them. */
	amr: AmrEntry[];
}

/**
 * Mints an access token with exactly GoTrue's claims, in its order (GenerateAccessToken,
 * protocol reference §1.3). `aud` is a plain string: GoTrue turns off single-value arrays.
 */
export function mintAccessToken(
	config: ApiConfig,
	user: UserRow,
	session: SessionClaims,
	now = Math.floor(Date.now() / 1000),
): { token: string; expiresAt: number } {
	const expiresAt = now + config.jwtExpirySeconds;
	const claims: JwtClaims = {
		iss: `${config.apiUrl}/auth/v1`,
		sub: user.id,
		aud: user.aud ?? 'authenticated',
		exp: expiresAt,
		iat: now,
		email: user.email ?? '',
		phone: user.phone ?? '',
		app_metadata: user.raw_app_meta_data ?? {},
		user_metadata: user.raw_user_meta_data ?? {},
		role: user.role ?? '',
		aal: session.aal,
		amr: session.amr,
		session_id: session.id,
		is_anonymous: user.is_anonymous,
	};
	return { token: signJwt(claims, config.jwtSecret), expiresAt };
}

/** GoTrue's AccessTokenResponse: what /token and an auto-confirmed /signup return. */
export function sessionJson(
	config: ApiConfig,
	user: UserRow,
	identities: IdentityRow[],
	session: SessionClaims,
	refreshToken: string,
	weakPassword?: { reasons: string[]; message: string },
): Record<string, unknown> {
	const now = Math.floor(Date.now() / 1000);
	const { token, expiresAt } = mintAccessToken(config, user, session, now);
	const body: Record<string, unknown> = {
		access_token: token,
		token_type: 'bearer',
		expires_in: expiresAt - now,
		expires_at: expiresAt,
		refresh_token: refreshToken,
		user: userJson(user, identities),
	};
	if (weakPassword) body.weak_password = weakPassword;
	return body;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** GoTrue's v1 refresh tokens: 12 random lower-case alphanumerics (its /token validates that shape). */
export const REFRESH_TOKEN_LENGTH = 12;

export function newRefreshToken(): string {
	let token = '';
	for (let i = 0; i < REFRESH_TOKEN_LENGTH; i++) token += ALPHABET[randomInt(ALPHABET.length)];
	return token;
}

export const isRefreshTokenShaped = (token: string) => /^[a-z0-9]{12}$/.test(token);
