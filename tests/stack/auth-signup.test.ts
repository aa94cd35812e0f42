import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { verifyJwt } from '../../supabase/local/jwt.ts';
import { DEMO_JWT_SECRET } from '../../supabase/local/keys.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';

const api = await startTestStack();
const withoutAnonymous = await startTestStack({
	config: { anonymousSignIns: false },
});

const newEmail = () => `user-${randomUUID()}@example.com`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function claimsOf(token: string) {
	const verified = verifyJwt(token, DEMO_JWT_SECRET);
	if (!verified.ok) throw new Error(`token does not verify with the demo secret: ${verified.message}`);
	return verified.claims;
}

describe('anonymous sign-in', () => {
	test('gives a session whose JWT verifies with the demo secret and carries exactly Supabase claims', async () => {
		const { data, error } = await clientFor(api).auth.signInAnonymously();
		expect(error).toBeNull();
		const session = data.session!;
		expect(session.token_type).toBe('bearer');
		expect(session.expires_in).toBe(3600);
		expect(session.refresh_token).toMatch(/^[a-z0-9]{12}$/);
		const claims = claimsOf(session.access_token);
		expect(Object.keys(claims).sort()).toEqual(
			[
				'aal',
				'amr',
				'app_metadata',
				'aud',
				'email',
				'exp',
				'iat',
				'is_anonymous',
				'iss',
				'phone',
				'role',
				'session_id',
				'sub',
				'user_metadata',
			].sort(),
		);
		expect(claims).toMatchObject({
			iss: `${api.url}/auth/v1`,
			sub: data.user!.id,
			aud: 'authenticated',
			role: 'authenticated',
			aal: 'aal1',
			email: '',
			phone: '',
			app_metadata: {},
			user_metadata: {},
			is_anonymous: true,
			amr: [{ method: 'anonymous', timestamp: expect.any(Number) }],
		});
		expect(claims.exp! - claims.iat!).toBe(3600);
		expect(session.expires_at).toBe(claims.exp);
		expect(claims.session_id).toMatch(UUID);
	});

	test('returns an anonymous user in GoTrue shape: no email, no provider, no identities', async () => {
		const { data } = await clientFor(api).auth.signInAnonymously({
			options: { data: { nickname: 'guest' } },
		});
		const user = data.user!;
		expect(user).toMatchObject({
			aud: 'authenticated',
			role: 'authenticated',
			email: '',
			phone: '',
			app_metadata: {},
			user_metadata: { nickname: 'guest' },
			identities: [],
			is_anonymous: true,
		});
		expect(user.id).toMatch(UUID);
		expect(user.created_at).toMatch(ISO_TIME);
		expect(user.last_sign_in_at).toMatch(ISO_TIME);
		expect(user).not.toHaveProperty('email_confirmed_at');
	});

	test('is refused with anonymous_provider_disabled when anonymous sign-ins are off', async () => {
		const { data, error } = await clientFor(withoutAnonymous).auth.signInAnonymously();
		expect(data.session).toBeNull();
		expect(error).toMatchObject({
			name: 'AuthApiError',
			status: 422,
			code: 'anonymous_provider_disabled',
		});
	});
});

describe('email sign-up', () => {
	test('creates a confirmed user and signs them in at once, with password amr', async () => {
		const email = newEmail();
		const { data, error } = await clientFor(api).auth.signUp({
			email,
			password: 'secret123',
			options: { data: { display_name: 'Ada' } },
		});
		expect(error).toBeNull();
		const user = data.user!;
		expect(user).toMatchObject({
			email,
			phone: '',
			app_metadata: { provider: 'email', providers: ['email'] },
			user_metadata: {
				email,
				email_verified: true,
				phone_verified: false,
				sub: user.id,
				display_name: 'Ada',
			},
			is_anonymous: false,
		});
		expect(user.email_confirmed_at).toMatch(ISO_TIME);
		expect(user.confirmed_at).toBe(user.email_confirmed_at);
		expect(user.identities).toHaveLength(1);
		expect(user.identities![0]).toMatchObject({
			id: user.id,
			user_id: user.id,
			provider: 'email',
			email,
			identity_data: {
				email,
				sub: user.id,
				email_verified: false,
				phone_verified: false,
			},
		});
		expect(user.identities![0]!.identity_id).toMatch(UUID);
		const claims = claimsOf(data.session!.access_token);
		expect(claims).toMatchObject({
			sub: user.id,
			email,
			is_anonymous: false,
			amr: [{ method: 'password' }],
		});
	});

	test('stores the password as a bcrypt hash GoTrue can read', async () => {
		const email = newEmail();
		await clientFor(api).auth.signUp({ email, password: 'secret123' });
		const { rows } = await api.pool.query('select encrypted_password from auth.users where email = $1', [email]);
		expect(rows[0].encrypted_password).toMatch(/^\$2a\$10\$/);
	});

	test('lower-cases the email, so a differently cased duplicate is user_already_exists', async () => {
		const email = newEmail();
		const first = await clientFor(api).auth.signUp({
			email: email.toUpperCase(),
			password: 'secret123',
		});
		expect(first.data.user!.email).toBe(email);
		const { data, error } = await clientFor(api).auth.signUp({
			email,
			password: 'another123',
		});
		expect(data.session).toBeNull();
		expect(error).toMatchObject({
			name: 'AuthApiError',
			status: 422,
			code: 'user_already_exists',
			message: 'User already registered',
		});
	});

	test('rejects a short password as weak_password with its reasons', async () => {
		const { error } = await clientFor(api).auth.signUp({
			email: newEmail(),
			password: '12345',
		});
		expect(error).toMatchObject({
			name: 'AuthWeakPasswordError',
			status: 422,
			code: 'weak_password',
			reasons: ['length'],
		});
		expect(error!.message).toBe('Password should be at least 6 characters.');
	});

	test('rejects a missing password as validation_failed', async () => {
		const { error } = await clientFor(api).auth.signUp({
			email: newEmail(),
			password: '',
		});
		expect(error).toMatchObject({
			status: 400,
			code: 'validation_failed',
			message: 'Signup requires a valid password',
		});
	});

	test('rejects a malformed email as validation_failed', async () => {
		const { error } = await clientFor(api).auth.signUp({
			email: 'not-an-email',
			password: 'secret123',
		});
		expect(error).toMatchObject({
			status: 400,
			code: 'validation_failed',
			message: 'Unable to validate email address: invalid format',
		});
	});

	test('creates no user when the sign-up is refused', async () => {
		const email = newEmail();
		await clientFor(api).auth.signUp({ email, password: '123' });
		const { rowCount } = await api.pool.query('select 1 from auth.users where email = $1', [email]);
		expect(rowCount).toBe(0);
	});
});

describe('password sign-in', () => {
	test('signs in the user that signed up, with a new session', async () => {
		const email = newEmail();
		const signedUp = await clientFor(api).auth.signUp({
			email,
			password: 'secret123',
		});
		const { data, error } = await clientFor(api).auth.signInWithPassword({
			email: email.toUpperCase(),
			password: 'secret123',
		});
		expect(error).toBeNull();
		expect(data.user!.id).toBe(signedUp.data.user!.id);
		expect(data.session!.refresh_token).not.toBe(signedUp.data.session!.refresh_token);
		expect(claimsOf(data.session!.access_token).session_id).not.toBe(
			claimsOf(signedUp.data.session!.access_token).session_id,
		);
		expect(data.user!.identities).toHaveLength(1);
	});

	test('refuses a wrong password as invalid_credentials', async () => {
		const email = newEmail();
		await clientFor(api).auth.signUp({ email, password: 'secret123' });
		const { data, error } = await clientFor(api).auth.signInWithPassword({
			email,
			password: 'wrong-password',
		});
		expect(data.session).toBeNull();
		expect(error).toMatchObject({
			name: 'AuthApiError',
			status: 400,
			code: 'invalid_credentials',
			message: 'Invalid login credentials',
		});
	});

	test('refuses an unknown email exactly like a wrong password', async () => {
		const { error } = await clientFor(api).auth.signInWithPassword({
			email: newEmail(),
			password: 'secret123',
		});
		expect(error).toMatchObject({
			status: 400,
			code: 'invalid_credentials',
			message: 'Invalid login credentials',
		});
	});

	test('accepts a user seeded the hosted way, with pgcrypto crypt()', async () => {
		const email = newEmail();
		const id = randomUUID();
		await api.pool.query(
			`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
			                         raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
			                         confirmation_token, email_change, email_change_token_new, recovery_token)
			 values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2,
			         extensions.crypt('seeded-pass', extensions.gen_salt('bf')), now(),
			         '{"provider":"email","providers":["email"]}', '{}', now(), now(), '', '', '', '')`,
			[id, email],
		);
		const { data, error } = await clientFor(api).auth.signInWithPassword({
			email,
			password: 'seeded-pass',
		});
		expect(error).toBeNull();
		expect(data.user!.id).toBe(id);
	});

	test('refuses an unconfirmed email as email_not_confirmed', async () => {
		const email = newEmail();
		await api.pool.query(
			`insert into auth.users (id, aud, role, email, encrypted_password)
			 values ($1, 'authenticated', 'authenticated', $2, extensions.crypt('secret123', extensions.gen_salt('bf')))`,
			[randomUUID(), email],
		);
		const { error } = await clientFor(api).auth.signInWithPassword({
			email,
			password: 'secret123',
		});
		expect(error).toMatchObject({ status: 400, code: 'email_not_confirmed' });
	});
});
