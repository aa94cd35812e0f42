import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { signJwt, verifyJwt } from '../../supabase/local/jwt.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';

const api = await startTestStack();

const newEmail = () => `user-${randomUUID()}@example.com`;
const claimsOf = (token: string) => {
	const verified = verifyJwt(token, api.config.jwtSecret);
	if (!verified.ok) throw new Error(verified.message);
	return verified.claims;
};

async function signedUp(password = 'secret123') {
	const email = newEmail();
	const client = clientFor(api);
	const { data, error } = await client.auth.signUp({ email, password });
	if (error) throw error;
	return { email, password, client, session: data.session!, user: data.user! };
}

async function anonymous() {
	const client = clientFor(api);
	const { data, error } = await client.auth.signInAnonymously();
	if (error) throw error;
	return { client, session: data.session!, user: data.user! };
}

/** A fresh client per refresh: auth-js caches a failed refresh per token for a while. */
const refresh = (refreshToken: string) => clientFor(api).auth.refreshSession({ refresh_token: refreshToken });

describe('getUser', () => {
	test('returns the signed-in user for a session access token', async () => {
		const { client, user } = await signedUp();
		const { data, error } = await client.auth.getUser();
		expect(error).toBeNull();
		expect(data.user).toEqual({
			...user,
			last_sign_in_at: expect.any(String),
			updated_at: expect.any(String),
		});
	});

	test('rejects a token signed with another secret as bad_jwt', async () => {
		const { session } = await signedUp();
		const forged = signJwt(claimsOf(session.access_token), 'another-secret-that-is-at-least-32-characters');
		const { error } = await clientFor(api).auth.getUser(forged);
		expect(error).toMatchObject({
			name: 'AuthApiError',
			status: 403,
			code: 'bad_jwt',
		});
		expect(error!.message).toMatch(/^invalid JWT: unable to parse or verify signature, /);
	});

	test('rejects an expired token as bad_jwt, with no clock-skew grace', async () => {
		const { session } = await signedUp();
		const now = Math.floor(Date.now() / 1000);
		const expired = signJwt({ ...claimsOf(session.access_token), iat: now - 100, exp: now - 1 }, api.config.jwtSecret);
		const { error } = await clientFor(api).auth.getUser(expired);
		expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
		expect(error!.message).toContain('token is expired');
	});

	test('rejects an unparsable token as bad_jwt', async () => {
		const { error } = await clientFor(api).auth.getUser('not.a-jwt');
		expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
	});

	test('rejects the anon key, which has no sub claim', async () => {
		const { error } = await clientFor(api).auth.getUser(api.config.anonKey);
		expect(error).toMatchObject({
			status: 403,
			code: 'bad_jwt',
			message: 'invalid claim: missing sub claim',
		});
	});

	test('rejects the token of a deleted user as user_not_found', async () => {
		const { session, user } = await anonymous();
		await api.pool.query('delete from auth.users where id = $1', [user.id]);
		const { error } = await clientFor(api).auth.getUser(session.access_token);
		expect(error).toMatchObject({ status: 403, code: 'user_not_found' });
	});

	test('answers 401 no_authorization to a request without a Bearer token', async () => {
		const res = await fetch(`${api.url}/auth/v1/user`, {
			headers: { apikey: api.config.anonKey },
		});
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ code: 'no_authorization' });
	});
});

describe('signOut', () => {
	test('global sign-out kills the refresh token and makes getUser report the session missing', async () => {
		const { client, session } = await signedUp();
		expect((await client.auth.signOut()).error).toBeNull();
		const refreshed = await refresh(session.refresh_token);
		expect(refreshed.error).toMatchObject({
			status: 400,
			code: 'refresh_token_not_found',
		});
		const { error } = await clientFor(api).auth.getUser(session.access_token);
		expect(error).toMatchObject({ name: 'AuthSessionMissingError' });
	});

	test('global sign-out ends every session of the user', async () => {
		const { email, password, client } = await signedUp();
		const other = await clientFor(api).auth.signInWithPassword({
			email,
			password,
		});
		await client.auth.signOut({ scope: 'global' });
		expect((await refresh(other.data.session!.refresh_token)).error).toMatchObject({ code: 'refresh_token_not_found' });
	});

	test('local sign-out ends only the current session', async () => {
		const { email, password, client, session } = await signedUp();
		const other = await clientFor(api).auth.signInWithPassword({
			email,
			password,
		});
		await client.auth.signOut({ scope: 'local' });
		expect((await refresh(session.refresh_token)).error).toMatchObject({
			code: 'refresh_token_not_found',
		});
		expect((await refresh(other.data.session!.refresh_token)).error).toBeNull();
	});

	test('signing out others keeps the current session alive', async () => {
		const { email, password, client, session } = await signedUp();
		const other = await clientFor(api).auth.signInWithPassword({
			email,
			password,
		});
		await client.auth.signOut({ scope: 'others' });
		expect((await refresh(other.data.session!.refresh_token)).error).toMatchObject({ code: 'refresh_token_not_found' });
		expect((await clientFor(api).auth.getUser(session.access_token)).error).toBeNull();
	});
});

describe('updateUser', () => {
	test('links an anonymous user to email and password, keeping its id', async () => {
		const { client, user: guest, session } = await anonymous();
		const email = newEmail();
		const { data, error } = await client.auth.updateUser({
			email,
			password: 'linked-pass',
		});
		expect(error).toBeNull();
		expect(data.user).toMatchObject({
			id: guest.id,
			email,
			is_anonymous: false,
			user_metadata: { email_verified: true },
		});
		expect(data.user!.email_confirmed_at).toEqual(expect.any(String));
		expect(data.user!.identities).toEqual([
			expect.objectContaining({
				provider: 'email',
				id: guest.id,
				identity_data: expect.objectContaining({ email, email_verified: true }),
			}),
		]);

		const signedIn = await clientFor(api).auth.signInWithPassword({
			email,
			password: 'linked-pass',
		});
		expect(signedIn.error).toBeNull();
		expect(signedIn.data.user!.id).toBe(guest.id);

		// The guest's own session lives on, and its next token says it is no longer anonymous.
		const refreshed = await refresh(session.refresh_token);
		expect(claimsOf(refreshed.data.session!.access_token)).toMatchObject({
			sub: guest.id,
			email,
			is_anonymous: false,
		});
	});

	test('refuses a password for an anonymous user without an email', async () => {
		const { client } = await anonymous();
		const { error } = await client.auth.updateUser({ password: 'secret123' });
		expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
	});

	test('refuses an email that another user has as email_exists', async () => {
		const { email } = await signedUp();
		const { client } = await anonymous();
		const { error } = await client.auth.updateUser({
			email: email.toUpperCase(),
			password: 'secret123',
		});
		expect(error).toMatchObject({
			name: 'AuthApiError',
			status: 422,
			code: 'email_exists',
		});
	});

	test('merges data into user_metadata, and null removes a key', async () => {
		const { client } = await anonymous();
		await client.auth.updateUser({ data: { theme: 'dark', lang: 'fr' } });
		const { data } = await client.auth.updateUser({
			data: { lang: null, units: 'metric' },
		});
		expect(data.user!.user_metadata).toEqual({
			theme: 'dark',
			units: 'metric',
		});
	});

	test('changes an email user password and ends their other sessions', async () => {
		const { email, password, client } = await signedUp();
		const other = await clientFor(api).auth.signInWithPassword({
			email,
			password,
		});
		expect((await client.auth.updateUser({ password: 'new-secret' })).error).toBeNull();
		expect((await clientFor(api).auth.signInWithPassword({ email, password })).error).toMatchObject({
			code: 'invalid_credentials',
		});
		expect(
			(
				await clientFor(api).auth.signInWithPassword({
					email,
					password: 'new-secret',
				})
			).error,
		).toBeNull();
		expect((await refresh(other.data.session!.refresh_token)).error).toMatchObject({ code: 'refresh_token_not_found' });
		expect((await client.auth.getUser()).error).toBeNull();
	});

	test('refuses the current password as same_password', async () => {
		const { client, password } = await signedUp();
		const { error } = await client.auth.updateUser({ password });
		expect(error).toMatchObject({ status: 422, code: 'same_password' });
	});
});
