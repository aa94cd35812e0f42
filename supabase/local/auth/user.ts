import type pg from 'pg';
import { authenticate, type Authenticated } from './authenticate.ts';
import { decodeBody, type Decoded } from './body.ts';
import type { StackContext } from '../context.ts';
import { sendEmailChange } from './confirmations.ts';
import { fail, ok, type AuthError, type Result } from './errors.ts';
import { noContent, okJson, type AuthHandler } from './handler.ts';
import { redirectFor } from './mailer.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { endSessions, type LogoutScope } from './sessions.ts';
import { inTransaction, isUniqueViolation } from './tx.ts';
import { userJson } from './user-json.ts';
import {
	findUserByEmail,
	findUserById,
	insertIdentity,
	listIdentities,
	mergeMetadata,
	patchUser,
	updateIdentityData,
	type UserPatch,
	type UserRow,
} from './users.ts';
import { checkPasswordStrength, validateEmail } from './validate.ts';

/** GET /user: the caller's user object, bare (not wrapped in `{user}`). */
export const getUser: AuthHandler = async (ctx, req) => {
	const auth = await authenticate(ctx.pool, req.headers, ctx.config);
	if (!auth.ok) return auth;
	return okJson(userJson(auth.value.user, await listIdentities(ctx.pool, auth.value.user.id)));
};

const UPDATE_PARAMS = {
	email: 'string',
	password: 'string',
	current_password: 'string',
	nonce: 'string',
	data: 'object',
	app_metadata: 'object',
	phone: 'string',
	channel: 'string',
	code_challenge: 'string',
	code_challenge_method: 'string',
} as const;
type UpdateParams = Decoded<typeof UPDATE_PARAMS>;

const DUPLICATE_EMAIL = 'A user with this email address has already been registered';

/**
 * PUT /user, following GoTrue's UserUpdate (no reauthentication or current password required, as
 * the CLI's defaults). An anonymous user that sets an email is converted in place — same id, an
 * email identity — which is how supabase-js apps "link" a guest: at once when confirmations are
 * off, after /verify of the mailed link when `confirmEmail` is on. A permanent user's new email
 * always waits as `new_email` for the mailed link(s) (both addresses with secure email change).
 */
export const updateUser: AuthHandler = async (ctx, req) => {
	const auth = await authenticate(ctx.pool, req.headers, ctx.config);
	if (!auth.ok) return auth;
	const decoded = decodeBody(req.body, 'UserUpdateParams', UPDATE_PARAMS);
	if (!decoded.ok) return decoded;
	const params = decoded.value;
	const { user } = auth.value;

	const checked = await checkUpdate(ctx.pool, user, params);
	if (!checked.ok) return checked;
	const newEmail = checked.value;
	const hash = params.password ? await hashPassword(ctx.pool, params.password) : undefined;
	const redirectTo = redirectFor(ctx.config, req);
	try {
		const updated = await inTransaction(ctx.pool, (db) =>
			applyUpdate(ctx, db, auth.value, params, newEmail, hash, redirectTo),
		);
		return okJson(userJson(updated, await listIdentities(ctx.pool, updated.id)));
	} catch (err) {
		if (isUniqueViolation(err)) return fail(422, 'email_exists', DUPLICATE_EMAIL);
		if (err instanceof Refused) return { ok: false, error: err.error };
		throw err;
	}
};

/** Validation in GoTrue's order; yields the new (lower-cased) email when it changes. */
async function checkUpdate(pool: pg.Pool, user: UserRow, params: UpdateParams): Promise<Result<string | null>> {
	let email: string | null = null;
	if (params.email) {
		const valid = validateEmail(params.email);
		if (!valid.ok) return valid;
		email = valid.value === user.email ? null : valid.value;
	}
	if (params.phone) return fail(422, 'phone_provider_disabled', 'Phone logins are disabled');
	if (params.password !== undefined) {
		const weak = checkPasswordStrength(params.password);
		if (weak) return { ok: false, error: weak };
	}
	if (params.app_metadata) {
		return fail(403, 'not_admin', 'Updating app_metadata requires admin privileges');
	}
	if (user.is_anonymous && params.password && !params.email) {
		return fail(
			422,
			'validation_failed',
			'Updating password of an anonymous user without an email or phone is not allowed',
		);
	}
	if (email) {
		const other = await findUserByEmail(pool, email);
		if (other && other.id !== user.id) return fail(422, 'email_exists', DUPLICATE_EMAIL);
	}
	if (
		params.password &&
		user.encrypted_password &&
		(await verifyPassword(pool, params.password, user.encrypted_password))
	) {
		return fail(422, 'same_password', 'New password should be different from the old password.');
	}
	return ok(email);
}

/** Thrown inside the update's transaction to roll it back and answer with `error`. */
class Refused extends Error {
	constructor(readonly error: AuthError) {
		super(error.message);
	}
}

async function applyUpdate(
	ctx: StackContext,
	db: pg.PoolClient,
	auth: Authenticated,
	params: UpdateParams,
	newEmail: string | null,
	hash: string | undefined,
	redirectTo: string,
): Promise<UserRow> {
	let user = (await findUserById(db, auth.user.id, true))!;
	if (hash !== undefined) {
		user = await patchUser(db, user.id, {
			encrypted_password: hash,
			email_change_sent_at: null,
		});
		// A new password ends every other session, as GoTrue's UpdatePassword does.
		await endSessions(db, user.id, auth.sessionId, 'others');
	}
	if (params.data) {
		user = await patchUser(db, user.id, {
			raw_user_meta_data: mergeMetadata(user.raw_user_meta_data, params.data),
		});
	}
	if (newEmail && user.is_anonymous && !ctx.config.confirmEmail) {
		user = await linkEmail(db, user, newEmail);
	} else if (newEmail) {
		const sent = await sendEmailChange(ctx, db, user, newEmail, redirectTo);
		if (!sent.ok) throw new Refused(sent.error);
		user = sent.value;
	}
	return user;
}

/** GoTrue's emailChangeVerify under autoconfirm: the guest becomes an email user, keeping its id. */
async function linkEmail(db: pg.PoolClient, user: UserRow, email: string): Promise<UserRow> {
	const identities = await listIdentities(db, user.id);
	const existing = identities.find((i) => i.provider === 'email' && i.provider_id === user.id);
	if (existing) {
		await updateIdentityData(db, existing.id, { email, email_verified: true });
	} else {
		await insertIdentity(db, user.id, 'email', {
			sub: user.id,
			email,
			email_verified: true,
			phone_verified: false,
		});
	}
	const patch: UserPatch = { email, email_change: '', is_anonymous: false };
	if (!user.email_confirmed_at) {
		patch.email_confirmed_at = 'now';
		patch.raw_user_meta_data = mergeMetadata(user.raw_user_meta_data, {
			email_verified: true,
		});
	}
	return patchUser(db, user.id, patch);
}

/** POST /logout?scope=global|local|others: 204; the sessions and their refresh tokens are gone. */
export const logout: AuthHandler = async (ctx, req) => {
	const auth = await authenticate(ctx.pool, req.headers, ctx.config);
	if (!auth.ok) return auth;
	const requested = req.query.get('scope') ?? '';
	const scope: LogoutScope | null = requested === '' ? 'global' : isScope(requested) ? requested : null;
	if (!scope) return fail(400, 'validation_failed', `Unsupported logout scope "${requested}"`);
	await inTransaction(ctx.pool, (db) => endSessions(db, auth.value.user.id, auth.value.sessionId, scope));
	return noContent();
};

const isScope = (value: string): value is LogoutScope => value === 'global' || value === 'local' || value === 'others';
