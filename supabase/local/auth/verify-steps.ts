import type pg from 'pg';
import type { StackContext } from '../context.ts';
import {
	confirmIdentityEmail,
	findUserById,
	insertIdentity,
	listIdentities,
	mergeMetadata,
	patchUser,
	syncAppMetadataProviders,
	updateIdentityData,
	type UserRow,
} from './users.ts';

/** Which stored one-time token a code or link is checked against. */
export type TokenKind = 'confirmation' | 'recovery' | 'email_change_current' | 'email_change_new';

/** Each kind's token column, when it was sent, and the address it was sent to. */
const TOKEN_COLUMNS: Record<TokenKind, { token: string; sentAt: string; address: string }> = {
	confirmation: { token: 'confirmation_token', sentAt: 'confirmation_sent_at', address: 'lower(email)' },
	recovery: { token: 'recovery_token', sentAt: 'recovery_sent_at', address: 'lower(email)' },
	email_change_current: {
		token: 'email_change_token_current',
		sentAt: 'email_change_sent_at',
		address: 'lower(email)',
	},
	email_change_new: { token: 'email_change_token_new', sentAt: 'email_change_sent_at', address: 'email_change' },
};

/**
 * The user holding an unexpired token `hash` of one of `kinds`, locked for update; with `email`,
 * only if the token was sent to that address (GoTrue's lookups by email and code). An empty hash
 * never matches (columns hold '' when no token is out).
 */
export async function findUserByOneTimeToken(
	db: pg.PoolClient,
	kinds: TokenKind[],
	hash: string,
	expirySeconds: number,
	email?: string,
): Promise<UserRow | null> {
	if (hash === '') return null;
	const conditions = kinds.map((kind) => {
		const c = TOKEN_COLUMNS[kind];
		const address = email === undefined ? '' : ` and ${c.address} = lower($3)`;
		return `(${c.token} = $1 and ${c.sentAt} + make_interval(secs => $2) > now()${address})`;
	});
	const params: unknown[] = [hash, expirySeconds];
	if (email !== undefined) params.push(email);
	const { rows } = await db.query<{ id: string }>(
		`select id from auth.users where ${conditions.join(' or ')} limit 1 for update`,
		params,
	);
	return rows[0] ? findUserById(db, rows[0].id) : null;
}

/** GoTrue's signupVerify + User.Confirm: the address is confirmed, and so is its identity. */
export async function confirmSignup(db: pg.PoolClient, userId: string): Promise<UserRow> {
	let user = (await findUserById(db, userId))!;
	user = await patchUser(db, userId, {
		confirmation_token: '',
		email_confirmed_at: user.email_confirmed_at ? undefined : 'now',
		raw_user_meta_data: mergeMetadata(user.raw_user_meta_data, { email_verified: true }),
	});
	await confirmIdentityEmail(db, userId);
	return syncAppMetadataProviders(db, user);
}

/**
 * GoTrue's emailChangeVerify. With confirmations and secure email change on, a user who has an
 * address needs both links: the first one only clears its token and answers null. Otherwise the
 * change completes: the email identity is created or updated, an anonymous user becomes permanent
 * (same id), `email` takes the new address, and an unconfirmed user is confirmed.
 */
export async function completeEmailChange(
	ctx: StackContext,
	db: pg.PoolClient,
	userId: string,
	hash: string,
): Promise<UserRow | null> {
	let user = (await findUserById(db, userId))!;
	if (
		ctx.config.confirmEmail &&
		ctx.config.secureEmailChange &&
		user.email_change_confirm_status === 0 &&
		(user.email ?? '') !== ''
	) {
		await patchUser(db, userId, {
			email_change_confirm_status: 1,
			email_change_token_current: user.email_change_token_current === hash ? '' : undefined,
			email_change_token_new: user.email_change_token_new === hash ? '' : undefined,
		});
		return null;
	}
	const newEmail = user.email_change ?? '';
	const identity = (await listIdentities(db, userId)).find((i) => i.provider === 'email' && i.provider_id === userId);
	if (identity) {
		await updateIdentityData(db, identity.id, { email: newEmail, email_verified: true });
	} else {
		await insertIdentity(db, userId, 'email', {
			sub: userId,
			email: newEmail,
			email_verified: true,
			phone_verified: false,
		});
	}
	user = await patchUser(db, userId, {
		email: newEmail,
		email_change: '',
		email_change_token_current: '',
		email_change_token_new: '',
		email_change_confirm_status: 0,
		is_anonymous: false,
	});
	if (!user.email_confirmed_at) {
		user = await patchUser(db, userId, {
			confirmation_token: '',
			email_confirmed_at: 'now',
			raw_user_meta_data: mergeMetadata(user.raw_user_meta_data, { email_verified: true }),
		});
	}
	return syncAppMetadataProviders(db, user);
}
