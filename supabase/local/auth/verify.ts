import type pg from 'pg';
import type { StackContext } from '../context.ts';
import type { ApiResponse } from '../http.ts';
import { decodeBody } from './body.ts';
import { fail, ok, type AuthError, type Result } from './errors.ts';
import { okJson, type AuthHandler } from './handler.ts';
import { redirectFor, tokenHash } from './mailer.ts';
import { startSession } from './sessions.ts';
import { sessionJson } from './tokens.ts';
import { inTransaction, isUniqueViolation } from './tx.ts';
import { completeEmailChange, confirmSignup, findUserByOneTimeToken, type TokenKind } from './verify-steps.ts';
import { isBanned, listIdentities, type UserRow } from './users.ts';
import { validateEmail } from './validate.ts';

/** GoTrue's message when one of two email-change links has been followed. */
export const SINGLE_CONFIRMATION_ACCEPTED =
	'Confirmation link accepted. Please proceed to confirm link sent to the other email';

const LINK_INVALID = 'Email link is invalid or has expired';
const OTP_INVALID = 'Token has expired or is invalid';

/** The verification types and the stored tokens each one may match (GoTrue's verifyTokenHash). */
const TOKEN_KINDS: Record<string, TokenKind[]> = {
	signup: ['confirmation'],
	invite: ['confirmation'],
	email: ['confirmation', 'recovery'],
	recovery: ['recovery'],
	magiclink: ['recovery'],
	email_change: ['email_change_current', 'email_change_new'],
};

type Outcome = { kind: 'session'; body: Record<string, unknown>; type: string } | { kind: 'single' };

/**
 * GET /verify?token=<hash>&type=…&redirect_to=… — the link in a confirmation mail. Like GoTrue's
 * implicit flow it answers 303: to `redirect_to` with the session in the fragment
 * (`#access_token=…&expires_at=…&expires_in=…&refresh_token=…&sb=&token_type=bearer&type=…`), with
 * `#message=…` after the first of two email-change links, or with `#error=…&error_code=…&error_description=…`.
 */
export const verifyGet: AuthHandler = async (ctx, req) => {
	const type = req.query.get('type') ?? '';
	const token = (req.query.get('token') ?? '').replaceAll('-', '');
	if (type === '') return fail(400, 'validation_failed', 'Verify requires a verification type');
	if (token === '') return fail(400, 'validation_failed', 'Verify requires a token or a token hash');
	const redirectTo = redirectFor(ctx.config, req);
	const result = await completeVerification(ctx, type, (db) => byTokenHash(ctx, db, type, token));
	if (!result.ok) return ok(redirect(errorRedirect(redirectTo, result.error)));
	if (result.value.kind === 'single') {
		return ok(redirect(withFragment(redirectTo, { message: SINGLE_CONFIRMATION_ACCEPTED, sb: '' })));
	}
	const body = result.value.body;
	return ok(
		redirect(
			withFragment(redirectTo, {
				access_token: String(body.access_token),
				expires_at: String(body.expires_at),
				expires_in: String(body.expires_in),
				refresh_token: String(body.refresh_token),
				sb: '',
				token_type: 'bearer',
				type: result.value.type,
			}),
		),
	);
};

/**
 * POST /verify — supabase-js `verifyOtp`: `{type, token_hash}` or `{type, email, token}` (the
 * six-digit code). Answers the session, or `{msg, code: "200"}` after the first of two
 * email-change confirmations.
 */
export const verifyPost: AuthHandler = async (ctx, req) => {
	const decoded = decodeBody(req.body, 'VerifyParams', {
		type: 'string',
		token: 'string',
		token_hash: 'string',
		email: 'string',
		phone: 'string',
		redirect_to: 'string',
	});
	if (!decoded.ok) return decoded;
	const { type = '', token = '', token_hash: hash = '', email = '', phone = '', redirect_to = '' } = decoded.value;
	if (type === '') return fail(400, 'validation_failed', 'Verify requires a verification type');
	if ((token === '') === (hash === '')) {
		return fail(400, 'validation_failed', 'Verify requires either a token or a token hash');
	}
	let find: Finder;
	if (hash !== '') {
		if (email !== '' || phone !== '' || redirect_to !== '') {
			return fail(400, 'validation_failed', 'Only the token_hash and type should be provided');
		}
		find = (db) => byTokenHash(ctx, db, type, hash);
	} else {
		if (phone !== '' && email === '') return fail(400, 'validation_failed', 'Unsupported verification type');
		if (email === '' || phone !== '') {
			return fail(400, 'validation_failed', 'Only an email address or phone number should be provided on verify');
		}
		const valid = validateEmail(email);
		if (!valid.ok) return fail(422, 'validation_failed', 'Invalid email format');
		find = (db) => byEmailAndCode(ctx, db, type, valid.value, token.replaceAll('-', ''));
	}
	const result = await completeVerification(ctx, type, find);
	if (!result.ok) return result;
	if (result.value.kind === 'single') return okJson({ msg: SINGLE_CONFIRMATION_ACCEPTED, code: '200' });
	return okJson(result.value.body);
};

/** The verification proper, in one transaction: find, check, confirm, start a session. */
async function completeVerification(ctx: StackContext, type: string, find: Finder): Promise<Result<Outcome>> {
	if (!TOKEN_KINDS[type]) return fail(400, 'validation_failed', 'Invalid email verification type');
	try {
		return await inTransaction(ctx.pool, async (db): Promise<Result<Outcome>> => {
			// Found and locked inside the transaction, so a link followed twice at once confirms once.
			const found = await find(db);
			if (!found.ok) return found;
			let effectiveType = type;
			let user: UserRow | null;
			if (type === 'email_change') {
				user = await completeEmailChange(ctx, db, found.value.user.id, found.value.hash);
				if (!user) return ok({ kind: 'single' });
			} else {
				// `email` codes confirm a sign-up here (no magic links are sent locally).
				effectiveType = type === 'email' ? 'signup' : type;
				user = await confirmSignup(db, found.value.user.id);
			}
			const { session, refreshToken } = await startSession(db, user.id, 'otp');
			const identities = await listIdentities(db, user.id);
			const body = sessionJson(ctx.config, user, identities, session, refreshToken);
			return ok({ kind: 'session', body, type: effectiveType });
		});
	} catch (err) {
		if (isUniqueViolation(err)) {
			return fail(422, 'email_exists', 'A user with this email address has already been registered');
		}
		throw err;
	}
}

/** The user a token belongs to, and the token's hash (which tells two email-change tokens apart). */
interface Found {
	user: UserRow;
	hash: string;
}
type Finder = (db: pg.PoolClient) => Promise<Result<Found>>;

async function byTokenHash(ctx: StackContext, db: pg.PoolClient, type: string, hash: string): Promise<Result<Found>> {
	const kinds = TOKEN_KINDS[type];
	if (!kinds) return fail(400, 'validation_failed', 'Invalid email verification type');
	const found = await findUserByOneTimeToken(db, kinds, hash, ctx.config.otpExpirySeconds);
	if (!found) return fail(403, 'otp_expired', LINK_INVALID);
	if (isBanned(found)) return fail(403, 'user_banned', 'User is banned');
	return ok({ user: found, hash });
}

/** GoTrue's verifyUserAndToken: the user by address, then the code checked against its tokens. */
async function byEmailAndCode(
	ctx: StackContext,
	db: pg.PoolClient,
	type: string,
	email: string,
	code: string,
): Promise<Result<Found>> {
	const kinds = TOKEN_KINDS[type];
	if (!kinds) return fail(400, 'validation_failed', 'Invalid email verification type');
	const hash = tokenHash(email, code);
	const found = await findUserByOneTimeToken(db, kinds, hash, ctx.config.otpExpirySeconds, email);
	if (!found) return fail(403, 'otp_expired', OTP_INVALID);
	if (isBanned(found)) return fail(403, 'user_banned', 'User is banned');
	return ok({ user: found, hash });
}

function redirect(location: string): ApiResponse {
	return { status: 303, headers: { location } };
}

/** GoTrue appends `#` and the form-encoded, key-sorted parameters (url.Values.Encode). */
function withFragment(url: string, params: Record<string, string>): string {
	const base = url.split('#')[0]!;
	return `${base}#${new URLSearchParams(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))).toString()}`;
}

/** GoTrue's prepErrorRedirectURL for the implicit flow: the error in the fragment. */
function errorRedirect(url: string, error: AuthError): string {
	const oauth: Record<number, string> = {
		400: 'invalid_request',
		401: 'unauthorized_client',
		403: 'access_denied',
		500: 'server_error',
		503: 'temporarily_unavailable',
	};
	const params: Record<string, string> = { error_code: error.code, error_description: error.message, sb: '' };
	if (oauth[error.status]) params.error = oauth[error.status]!;
	return withFragment(url, params);
}
