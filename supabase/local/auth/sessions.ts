import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { fail, ok, type Result } from './errors.ts';
import { newRefreshToken, type SessionClaims } from './tokens.ts';
import { findUserById, isBanned, type UserRow } from './users.ts';

type Db = pg.Pool | pg.PoolClient;

/** How a session was signed in; becomes the `amr` claim. */
export type AuthMethod = 'password' | 'anonymous' | 'otp';

export interface IssuedSession {
	session: SessionClaims;
	refreshToken: string;
}

/**
 * Starts a session with its first refresh token (GoTrue's IssueRefreshToken with v1 tokens) and
 * records the sign-in method; also stamps the user's last_sign_in_at. Call inside a transaction.
 */
export async function startSession(db: pg.PoolClient, userId: string, method: AuthMethod): Promise<IssuedSession> {
	const sessionId = randomUUID();
	await db.query(`insert into auth.sessions (id, user_id, aal) values ($1, $2, 'aal1')`, [sessionId, userId]);
	await db.query(
		`insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
		 values ($1, $2, now(), now(), $3)
		 on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey
		 do update set updated_at = now()`,
		[randomUUID(), sessionId, method],
	);
	const refreshToken = newRefreshToken();
	await db.query(`insert into auth.refresh_tokens (token, user_id, session_id, parent) values ($1, $2, $3, null)`, [
		refreshToken,
		userId,
		sessionId,
	]);
	await db.query(`update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1`, [userId]);
	return { session: await sessionClaims(db, sessionId), refreshToken };
}

/** The session's contribution to an access token: its aal and sign-in methods, newest first. */
export async function sessionClaims(db: Db, sessionId: string): Promise<SessionClaims> {
	const { rows } = await db.query<{
		aal: string | null;
		method: string | null;
		ts: number | null;
	}>(
		`select s.aal, c.authentication_method as method, extract(epoch from c.updated_at)::bigint::float8 as ts
		 from auth.sessions s left join auth.mfa_amr_claims c on c.session_id = s.id
		 where s.id = $1 order by c.updated_at desc nulls last`,
		[sessionId],
	);
	return {
		id: sessionId,
		aal: rows[0]?.aal ?? 'aal1',
		amr: rows.flatMap((r) => (r.method ? [{ method: r.method, timestamp: Number(r.ts) }] : [])),
	};
}

export async function sessionExists(db: Db, sessionId: string): Promise<boolean> {
	const { rowCount } = await db.query('select 1 from auth.sessions where id = $1', [sessionId]);
	return rowCount === 1;
}

interface TokenRow {
	id: string;
	token: string;
	session_id: string;
	parent: string | null;
	revoked: boolean;
	reuse_expired: boolean;
}

export interface Refreshed {
	user: UserRow;
	session: SessionClaims;
	refreshToken: string;
}

/**
 * The refresh_token grant with GoTrue's rotation rules (tokens/service.go RefreshTokenGrant):
 *
 * - an active token is revoked and replaced by a child;
 * - a revoked token that is the parent of the session's active token returns that active token
 *   again (the client lost the previous answer, or several tabs refreshed at once) — at any time;
 * - any other revoked token is swapped once more if it was revoked less than `reuseSeconds` ago;
 *   after that it is `refresh_token_already_used` and every token of the session is revoked.
 *
 * The session row is locked first, so concurrent refreshes of one session run one at a time and
 * each sees the previous one's rotation. Call inside a transaction.
 */
export async function refreshSession(
	db: pg.PoolClient,
	token: string,
	reuseSeconds: number,
): Promise<Result<Refreshed>> {
	const located = await db.query<{ session_id: string }>(
		'select session_id from auth.refresh_tokens where token = $1',
		[token],
	);
	const sessionId = located.rows[0]?.session_id;
	if (!sessionId) return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	const session = await db.query<{ user_id: string }>('select user_id from auth.sessions where id = $1 for update', [
		sessionId,
	]);
	const userId = session.rows[0]?.user_id;
	if (!userId) return fail(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found');
	const { rows } = await db.query<TokenRow>(
		`select id, token, session_id, parent, revoked, updated_at + make_interval(secs => $2) < now() as reuse_expired
		 from auth.refresh_tokens where token = $1`,
		[token, reuseSeconds],
	);
	const current = rows[0];
	// Deleted by a logout that committed while this request waited for the session lock.
	if (!current) return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	const user = await findUserById(db, userId);
	if (!user) return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	if (isBanned(user)) return fail(400, 'user_banned', 'Invalid Refresh Token: User Banned');

	let issued: string | undefined;
	if (current.revoked) {
		const active = await db.query<{ token: string; parent: string | null }>(
			`select token, parent from auth.refresh_tokens where session_id = $1 and not revoked order by id desc limit 1`,
			[sessionId],
		);
		if (active.rows[0]?.parent === current.token) {
			issued = active.rows[0].token;
		} else if (current.reuse_expired) {
			// Possible theft: the whole family goes, and this revocation must commit with the 400.
			await db.query(
				`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and not revoked`,
				[sessionId],
			);
			return fail(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
		}
	}
	if (issued === undefined) {
		await db.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [current.id]);
		issued = newRefreshToken();
		await db.query(`insert into auth.refresh_tokens (token, user_id, session_id, parent) values ($1, $2, $3, $4)`, [
			issued,
			userId,
			sessionId,
			current.token,
		]);
	}
	await db.query('update auth.sessions set refreshed_at = now(), updated_at = now() where id = $1', [sessionId]);
	return ok({
		user,
		session: await sessionClaims(db, sessionId),
		refreshToken: issued,
	});
}

export type LogoutScope = 'global' | 'local' | 'others';

/** Deletes sessions; their refresh tokens and amr claims go with them (on delete cascade). */
export async function endSessions(db: Db, userId: string, sessionId: string | null, scope: LogoutScope): Promise<void> {
	if (sessionId && scope === 'local') {
		await db.query('delete from auth.sessions where id = $1', [sessionId]);
	} else if (sessionId && scope === 'others') {
		await db.query('delete from auth.sessions where user_id = $1 and id <> $2', [userId, sessionId]);
	} else {
		await db.query('delete from auth.sessions where user_id = $1', [userId]);
	}
}
