import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ApiConfig, StackContext } from '../context.ts';
import type { ApiRequest, ApiResponse } from '../http.ts';
import { decodeBody } from './body.ts';
import { sendSignupConfirmation } from './confirmations.ts';
import { fail, type Result } from './errors.ts';
import { okJson, type AuthHandler } from './handler.ts';
import { redirectFor } from './mailer.ts';
import { hashPassword } from './passwords.ts';
import { startSession } from './sessions.ts';
import { sessionJson } from './tokens.ts';
import { inTransaction, isUniqueViolation } from './tx.ts';
import { userJson } from './user-json.ts';
import {
	AUDIENCE,
	findUserByEmail,
	findUserById,
	insertIdentity,
	insertUser,
	listIdentities,
	mergeMetadata,
	patchUser,
	type UserRow,
} from './users.ts';
import { checkPasswordStrength, validateEmail } from './validate.ts';

const SIGNUP_PARAMS = {
	email: 'string',
	phone: 'string',
	password: 'string',
	data: 'object',
	channel: 'string',
	code_challenge: 'string',
	code_challenge_method: 'string',
} as const;

/**
 * POST /signup. No email and no phone means an anonymous sign-in (GoTrue's router decides so);
 * otherwise an email sign-up: auto-confirmed with a session when confirmations are off (the CLI's
 * `enable_confirmations = false`), or, with `confirmEmail`, the bare user and a link in the inbox.
 */
export const signup: AuthHandler = async (ctx, req) => {
	const params = decodeBody(req.body, 'SignupParams', SIGNUP_PARAMS);
	if (!params.ok) return params;
	const { email = '', phone = '', password = '', data = {} } = params.value;
	if (email === '' && phone === '') {
		if (!ctx.config.anonymousSignIns) {
			return fail(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
		}
		return signUpAnonymously(ctx.config, ctx.pool, data);
	}
	if (password === '') return fail(400, 'validation_failed', 'Signup requires a valid password');
	const weak = checkPasswordStrength(password);
	if (weak) return { ok: false, error: weak };
	if (email !== '' && phone !== '') {
		return fail(400, 'validation_failed', 'Only an email address or phone number should be provided on signup.');
	}
	// The CLI's default ([auth.sms] enable_signup = false); there is no SMS provider locally.
	if (phone !== '') return fail(400, 'phone_provider_disabled', 'Phone signups are disabled');
	const valid = validateEmail(email);
	if (!valid.ok) return valid;
	if (ctx.config.confirmEmail) return signUpWithConfirmation(ctx, req, valid.value, password, data);
	if (await findUserByEmail(ctx.pool, valid.value)) return userAlreadyExists();
	// Hash before the transaction: bcrypt is deliberately slow and must not hold locks.
	const hash = await hashPassword(ctx.pool, password);
	try {
		return await inTransaction(ctx.pool, (db) => createEmailUser(ctx.config, db, valid.value, hash, data));
	} catch (err) {
		if (isUniqueViolation(err)) return userAlreadyExists();
		throw err;
	}
};

const userAlreadyExists = () => fail(422, 'user_already_exists', 'User already registered');

/**
 * GoTrue's Signup with confirmations on: a new user is created unconfirmed and mailed a link; an
 * unconfirmed one is mailed a new link (its password is not changed: who asks is not proven); a
 * confirmed one gets a fake user with a random id, so sign-up cannot tell which emails exist.
 */
async function signUpWithConfirmation(
	ctx: StackContext,
	req: ApiRequest,
	email: string,
	password: string,
	data: Record<string, unknown>,
): Promise<Result<ApiResponse>> {
	const redirectTo = redirectFor(ctx.config, req);
	const existing = await findUserByEmail(ctx.pool, email);
	if (existing?.email_confirmed_at) return okJson(sanitizedUser(existing.email ?? email, data));
	const hash = existing ? '' : await hashPassword(ctx.pool, password);
	try {
		return await inTransaction(ctx.pool, async (db) => {
			let user = existing ? (await findUserById(db, existing.id, true))! : await insertEmailUser(db, email, hash, data);
			const sent = await sendSignupConfirmation(ctx, db, user, redirectTo);
			if (!sent.ok) return sent;
			user = sent.value;
			return okJson(userJson(user, await listIdentities(db, user.id)));
		});
	} catch (err) {
		if (isUniqueViolation(err)) return okJson(sanitizedUser(email, data));
		throw err;
	}
}

/** GoTrue's sanitizeUser: what a repeated sign-up of a confirmed email sees. */
function sanitizedUser(email: string, data: Record<string, unknown>): Record<string, unknown> {
	const now = new Date().toISOString();
	return {
		id: randomUUID(),
		aud: AUDIENCE,
		role: '',
		email,
		phone: '',
		confirmation_sent_at: now,
		app_metadata: { provider: 'email', providers: ['email'] },
		user_metadata: data,
		identities: [],
		created_at: now,
		updated_at: now,
		is_anonymous: false,
	};
}

async function signUpAnonymously(
	config: ApiConfig,
	pool: pg.Pool,
	data: Record<string, unknown>,
): Promise<Result<ApiResponse>> {
	return inTransaction(pool, async (db) => {
		// GoTrue leaves app_metadata empty for anonymous users (no provider, no providers).
		const created = await insertUser(db, {
			email: null,
			encryptedPassword: null,
			userMetadata: data,
			appMetadata: {},
			isAnonymous: true,
		});
		const { session, refreshToken } = await startSession(db, created.id, 'anonymous');
		const user = (await findUserById(db, created.id))!;
		return okJson(sessionJson(config, user, [], session, refreshToken));
	});
}

/**
 * GoTrue's Signup for a new, auto-confirmed email user: the email identity's data (sub, email,
 * *_verified, then any `data` keys it lacks) becomes user_metadata, and confirming sets
 * user_metadata.email_verified.
 */
async function createEmailUser(
	config: ApiConfig,
	db: pg.PoolClient,
	email: string,
	hash: string,
	data: Record<string, unknown>,
): Promise<Result<ApiResponse>> {
	const created = await insertEmailUser(db, email, hash, data);
	const identityData = created.raw_user_meta_data;
	await patchUser(db, created.id, {
		email_confirmed_at: 'now',
		raw_user_meta_data: mergeMetadata(identityData, { email_verified: true }),
	});
	const { session, refreshToken } = await startSession(db, created.id, 'password');
	const user = (await findUserById(db, created.id))!;
	return okJson(sessionJson(config, user, await listIdentities(db, user.id), session, refreshToken));
}

/** A new, unconfirmed email user with its email identity; the identity's data is its user_metadata. */
async function insertEmailUser(
	db: pg.PoolClient,
	email: string,
	hash: string,
	data: Record<string, unknown>,
): Promise<UserRow> {
	const created = await insertUser(db, {
		email,
		encryptedPassword: hash,
		userMetadata: data,
		appMetadata: { provider: 'email', providers: ['email'] },
		isAnonymous: false,
	});
	const identityData: Record<string, unknown> = {
		sub: created.id,
		email,
		email_verified: false,
		phone_verified: false,
	};
	for (const [key, value] of Object.entries(data)) if (!(key in identityData)) identityData[key] = value;
	await insertIdentity(db, created.id, 'email', identityData);
	return patchUser(db, created.id, { raw_user_meta_data: identityData });
}
