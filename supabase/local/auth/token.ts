import { decodeBody } from './body.ts';
import { fail, INVALID_LOGIN } from './errors.ts';
import { okJson, type AuthHandler } from './handler.ts';
import { verifyPassword } from './passwords.ts';
import { refreshSession, startSession } from './sessions.ts';
import { isRefreshTokenShaped, REFRESH_TOKEN_LENGTH, sessionJson } from './tokens.ts';
import { inTransaction } from './tx.ts';
import { findUserByEmail, findUserById, isBanned, listIdentities } from './users.ts';
import { checkPasswordStrength } from './validate.ts';

/** POST /token?grant_type=…: the password and refresh_token grants supabase-js uses. */
export const token: AuthHandler = async (ctx, req) => {
	const grantType = req.query.get('grant_type') ?? '';
	if (grantType === 'password') return passwordGrant(ctx, req);
	if (grantType === 'refresh_token') return refreshTokenGrant(ctx, req);
	// GoTrue's own answer for an unknown grant (pkce, id_token and web3 are not served locally).
	return fail(400, 'invalid_credentials', 'unsupported_grant_type');
};

const passwordGrant: AuthHandler = async (ctx, req) => {
	const params = decodeBody(req.body, 'PasswordGrantParams', {
		email: 'string',
		phone: 'string',
		password: 'string',
	});
	if (!params.ok) return params;
	const { email = '', phone = '', password = '' } = params.value;
	if (email !== '' && phone !== '') {
		return fail(400, 'validation_failed', 'Only an email address or phone number should be provided on login.');
	}
	if (phone !== '') return fail(422, 'phone_provider_disabled', 'Phone logins are disabled');
	if (email === '') return fail(400, 'validation_failed', 'missing email or phone');

	const found = await findUserByEmail(ctx.pool, email);
	if (!found || !found.encrypted_password) return fail(400, 'invalid_credentials', INVALID_LOGIN);
	if (isBanned(found)) return fail(400, 'user_banned', 'User is banned');
	if (!(await verifyPassword(ctx.pool, password, found.encrypted_password))) {
		return fail(400, 'invalid_credentials', INVALID_LOGIN);
	}
	if (!found.email_confirmed_at) return fail(400, 'email_not_confirmed', 'Email not confirmed');
	// A correct password that today's rules call weak still signs in; the client is told why.
	const weak = checkPasswordStrength(password);

	return inTransaction(ctx.pool, async (db) => {
		const { session, refreshToken } = await startSession(db, found.id, 'password');
		const user = (await findUserById(db, found.id))!;
		const identities = await listIdentities(db, user.id);
		const weakPassword = weak?.weakPassword ? { ...weak.weakPassword, message: weak.message } : undefined;
		return okJson(sessionJson(ctx.config, user, identities, session, refreshToken, weakPassword));
	});
};

const refreshTokenGrant: AuthHandler = async (ctx, req) => {
	const params = decodeBody(req.body, 'RefreshTokenGrantParams', {
		refresh_token: 'string',
	});
	if (!params.ok) return params;
	const refreshToken = params.value.refresh_token ?? '';
	// GoTrue checks the shape first; longer tokens would have to be its v2 format, never issued here.
	if (refreshToken.length < REFRESH_TOKEN_LENGTH || !isRefreshTokenShaped(refreshToken)) {
		return fail(400, 'validation_failed', 'Refresh token is not valid');
	}
	return inTransaction(ctx.pool, async (db) => {
		const refreshed = await refreshSession(db, refreshToken, ctx.config.refreshTokenReuseSeconds);
		if (!refreshed.ok) return refreshed;
		const { user, session, refreshToken: issued } = refreshed.value;
		const identities = await listIdentities(db, user.id);
		return okJson(sessionJson(ctx.config, user, identities, session, issued));
	});
};
