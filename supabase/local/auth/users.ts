import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** A row of auth.users, as the Auth service reads it (timestamps as Dates, jsonb parsed). */
export interface UserRow {
	id: string;
	aud: string | null;
	role: string | null;
	email: string | null;
	encrypted_password: string | null;
	email_confirmed_at: Date | null;
	phone: string | null;
	phone_confirmed_at: Date | null;
	confirmed_at: Date | null;
	invited_at: Date | null;
	confirmation_sent_at: Date | null;
	recovery_sent_at: Date | null;
	email_change: string | null;
	email_change_sent_at: Date | null;
	last_sign_in_at: Date | null;
	raw_app_meta_data: Record<string, unknown>;
	raw_user_meta_data: Record<string, unknown>;
	created_at: Date;
	updated_at: Date;
	banned_until: Date | null;
	deleted_at: Date | null;
	is_anonymous: boolean;
	/** Hashes of mailed one-time codes ('' when none; GoTrue's columns, never sent to clients). */
	confirmation_token: string | null;
	email_change_token_new: string | null;
	email_change_token_current: string | null;
	/** 0, or 1 once one of the two addresses confirmed a secure email change. */
	email_change_confirm_status: number | null;
}

export interface IdentityRow {
	id: string;
	provider_id: string;
	user_id: string;
	identity_data: Record<string, unknown>;
	provider: string;
	email: string | null;
	last_sign_in_at: Date | null;
	created_at: Date;
	updated_at: Date;
}

/** GoTrue's default audience and role (GOTRUE_JWT_AUD, GOTRUE_JWT_DEFAULT_GROUP_NAME in the CLI). */
export const AUDIENCE = 'authenticated';
export const DEFAULT_ROLE = 'authenticated';

const USER_COLUMNS = `id, aud, role, email, encrypted_password, email_confirmed_at, phone, phone_confirmed_at,
	confirmed_at, invited_at, confirmation_sent_at, recovery_sent_at, email_change, email_change_sent_at,
	last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until, deleted_at,
	is_anonymous, confirmation_token, email_change_token_new, email_change_token_current,
	email_change_confirm_status`;

export async function findUserById(db: Db, id: string, forUpdate = false): Promise<UserRow | null> {
	const { rows } = await db.query<UserRow>(
		`select ${USER_COLUMNS} from auth.users where id = $1${forUpdate ? ' for update' : ''}`,
		[id],
	);
	return rows[0] ?? null;
}

/** Case-insensitive, as GoTrue's FindUserByEmailAndAudience (SSO users are not email users). */
export async function findUserByEmail(db: Db, email: string, aud = AUDIENCE): Promise<UserRow | null> {
	const { rows } = await db.query<UserRow>(
		`select ${USER_COLUMNS} from auth.users
		 where lower(email) = lower($1) and aud = $2 and not is_sso_user
		 order by created_at limit 1`,
		[email, aud],
	);
	return rows[0] ?? null;
}

export interface NewUser {
	email: string | null;
	encryptedPassword: string | null;
	userMetadata: Record<string, unknown>;
	appMetadata: Record<string, unknown>;
	isAnonymous: boolean;
}

/** Inserts a user; a duplicate email raises 23505 on users_email_partial_key (callers map it). */
export async function insertUser(db: Db, user: NewUser): Promise<UserRow> {
	const { rows } = await db.query<UserRow>(
		`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data,
		                         raw_user_meta_data, is_anonymous)
		 values ('00000000-0000-0000-0000-000000000000', $1, $2, $3, $4, $5, $6, $7, $8)
		 returning ${USER_COLUMNS}`,
		[
			randomUUID(),
			AUDIENCE,
			DEFAULT_ROLE,
			user.email,
			user.encryptedPassword ?? '',
			user.appMetadata,
			user.userMetadata,
			user.isAnonymous,
		],
	);
	return rows[0]!;
}

/** The columns the Auth service changes after creation. */
export interface UserPatch {
	email?: string | null;
	encrypted_password?: string;
	email_confirmed_at?: 'now';
	last_sign_in_at?: 'now';
	email_change?: string;
	email_change_sent_at?: 'now' | null;
	confirmation_token?: string;
	confirmation_sent_at?: 'now';
	email_change_token_new?: string;
	email_change_token_current?: string;
	email_change_confirm_status?: number;
	raw_user_meta_data?: Record<string, unknown>;
	raw_app_meta_data?: Record<string, unknown>;
	is_anonymous?: boolean;
}

export async function patchUser(db: Db, id: string, patch: UserPatch): Promise<UserRow> {
	const sets: string[] = ['updated_at = now()'];
	const values: unknown[] = [id];
	for (const [column, value] of Object.entries(patch)) {
		if (value === undefined) continue;
		if (value === 'now') {
			sets.push(`${column} = now()`);
		} else {
			values.push(value);
			sets.push(`${column} = $${values.length}`);
		}
	}
	const { rows } = await db.query<UserRow>(
		`update auth.users set ${sets.join(', ')} where id = $1 returning ${USER_COLUMNS}`,
		values,
	);
	return rows[0]!;
}

/**
 * GoTrue's metadata merge: keys in `updates` replace existing ones, a `null` value deletes the key,
 * other keys stay (models.User.UpdateUserMetaData).
 */
export function mergeMetadata(
	current: Record<string, unknown>,
	updates: Record<string, unknown>,
): Record<string, unknown> {
	const merged = { ...current };
	for (const [key, value] of Object.entries(updates)) {
		if (value === null) delete merged[key];
		else merged[key] = value;
	}
	return merged;
}

export async function listIdentities(db: Db, userId: string): Promise<IdentityRow[]> {
	const { rows } = await db.query<IdentityRow>(
		`select id, provider_id, user_id, identity_data, provider, email, last_sign_in_at, created_at, updated_at
		 from auth.identities where user_id = $1 order by created_at, id`,
		[userId],
	);
	return rows;
}

/** GoTrue's createNewIdentity: the provider id is identity_data.sub (the user id for email). */
export async function insertIdentity(
	db: Db,
	userId: string,
	provider: string,
	identityData: Record<string, unknown>,
): Promise<IdentityRow> {
	const { rows } = await db.query<IdentityRow>(
		`insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at)
		 values ($1, $2, $3, $4, now())
		 returning id, provider_id, user_id, identity_data, provider, email, last_sign_in_at, created_at, updated_at`,
		[String(identityData.sub ?? userId), userId, identityData, provider],
	);
	return rows[0]!;
}

export async function updateIdentityData(db: Db, identityId: string, updates: Record<string, unknown>): Promise<void> {
	await db.query(`update auth.identities set identity_data = identity_data || $2, updated_at = now() where id = $1`, [
		identityId,
		updates,
	]);
}

export const isBanned = (user: UserRow, now = new Date()) => user.banned_until !== null && user.banned_until > now;

/** Marks the user's email identities for their current address verified (GoTrue's signupVerify). */
export async function confirmIdentityEmail(db: Db, userId: string): Promise<void> {
	await db.query(
		`update auth.identities i set identity_data = i.identity_data || '{"email_verified": true}', updated_at = now()
		 from auth.users u
		 where u.id = $1 and i.user_id = u.id and i.provider = 'email' and i.email = lower(u.email)`,
		[userId],
	);
}

/** GoTrue's UpdateAppMetaDataProviders: `providers` from the identities, `provider` the first. */
export async function syncAppMetadataProviders(db: Db, user: UserRow): Promise<UserRow> {
	const { rows } = await db.query<{ provider: string }>(
		`select provider from auth.identities where user_id = $1 group by provider order by min(created_at), provider`,
		[user.id],
	);
	const providers = rows.map((r) => r.provider);
	const updates: Record<string, unknown> = { providers };
	if (providers.length > 0) updates.provider = providers[0];
	return patchUser(db, user.id, { raw_app_meta_data: { ...user.raw_app_meta_data, ...updates } });
}
