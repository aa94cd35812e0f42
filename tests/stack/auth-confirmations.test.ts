import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { confirmationCode, confirmationLink, followLink, latestMailTo, mailTo } from '../helpers/inbox.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';

// Email confirmations as hosted Supabase has them by default, with the local inbox as the mailbox.
const api = await startTestStack({ config: { confirmEmail: true } });
// No frequency limit, and hosted's one mail a minute; an inbox of its own for the listing test.
const fast = await startTestStack({ config: { confirmEmail: true, emailMaxFrequencySeconds: 0 } });
const hosted = await startTestStack({ config: { confirmEmail: true, emailMaxFrequencySeconds: 60 } });
const own = await startTestStack({ config: { confirmEmail: true } });
const APP = 'http://127.0.0.1:5173/';

const newEmail = () => `user-${randomUUID()}@example.com`;

async function userRow(id: string) {
	const { rows } = await api.pool.query(
		'select email, email_change, email_confirmed_at, is_anonymous, raw_app_meta_data from auth.users where id = $1',
		[id],
	);
	return rows[0];
}

describe('sign-up with confirmations on', () => {
	test('answers the unconfirmed user without a session and mails a link; the password waits for it', async () => {
		const email = newEmail();
		const client = clientFor(api);
		const { data, error } = await client.auth.signUp({
			email,
			password: 'secret-123',
			options: { emailRedirectTo: APP },
		});
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		expect(data.user!.email).toBe(email);
		expect(data.user!.email_confirmed_at).toBeUndefined();
		expect(data.user!.confirmation_sent_at).toMatch(/^\d{4}-/);
		expect(data.user!.identities!.map((i) => i.provider)).toEqual(['email']);
		expect(data.user!.identities![0]!.identity_data!.email_verified).toBe(false);

		const refused = await client.auth.signInWithPassword({ email, password: 'secret-123' });
		expect(refused.error?.code).toBe('email_not_confirmed');

		const mail = await latestMailTo(api, email);
		expect(mail.Subject).toBe('Confirm your email address');
		const link = new URL(confirmationLink(mail));
		expect(link.origin + link.pathname).toBe(`${api.url}/auth/v1/verify`);
		expect(link.searchParams.get('type')).toBe('signup');
		expect(link.searchParams.get('token')).toMatch(/^[0-9a-f]{56}$/);

		const { location, fragment } = await followLink(link.href);
		expect(location.origin + location.pathname).toBe(APP.replace(/\/$/, '') + '/');
		expect([...fragment.keys()]).toEqual([
			'access_token',
			'expires_at',
			'expires_in',
			'refresh_token',
			'sb',
			'token_type',
			'type',
		]);
		expect(fragment.get('type')).toBe('signup');
		const session = await clientFor(api).auth.setSession({
			access_token: fragment.get('access_token')!,
			refresh_token: fragment.get('refresh_token')!,
		});
		expect(session.error).toBeNull();
		expect(session.data.user!.id).toBe(data.user!.id);
		expect(session.data.user!.email_confirmed_at).toMatch(/^\d{4}-/);
		expect(session.data.user!.user_metadata.email_verified).toBe(true);
		expect(session.data.user!.identities![0]!.identity_data!.email_verified).toBe(true);

		const signedIn = await client.auth.signInWithPassword({ email, password: 'secret-123' });
		expect(signedIn.error).toBeNull();
		expect(signedIn.data.user!.id).toBe(data.user!.id);
	});

	test('a link works once; followed again it redirects with otp_expired in the fragment', async () => {
		const email = newEmail();
		await clientFor(api).auth.signUp({ email, password: 'secret-123' });
		const link = confirmationLink(await latestMailTo(api, email));
		await followLink(link);
		const again = await followLink(link);
		expect(again.location.origin).toBe('http://127.0.0.1:5173');
		expect(Object.fromEntries(again.fragment)).toEqual({
			error: 'access_denied',
			error_code: 'otp_expired',
			error_description: 'Email link is invalid or has expired',
			sb: '',
		});
	});

	test('verifyOtp with the mailed code confirms and signs in', async () => {
		const email = newEmail();
		const client = clientFor(api);
		const { data: signedUp } = await client.auth.signUp({ email, password: 'secret-123' });
		const code = confirmationCode(await latestMailTo(api, email));

		const wrong = await client.auth.verifyOtp({ email, token: code === '000000' ? '111111' : '000000', type: 'email' });
		expect(wrong.error?.code).toBe('otp_expired');
		expect(wrong.error?.status).toBe(403);

		const { data, error } = await client.auth.verifyOtp({ email, token: code, type: 'email' });
		expect(error).toBeNull();
		expect(data.session!.user.id).toBe(signedUp.user!.id);
		expect(data.session!.user.email_confirmed_at).toMatch(/^\d{4}-/);
	});

	test('verifyOtp with the token hash of the link confirms too', async () => {
		const email = newEmail();
		const client = clientFor(api);
		await client.auth.signUp({ email, password: 'secret-123' });
		const hash = new URL(confirmationLink(await latestMailTo(api, email))).searchParams.get('token')!;
		const { data, error } = await client.auth.verifyOtp({ token_hash: hash, type: 'signup' });
		expect(error).toBeNull();
		expect(data.user!.email).toBe(email);
	});

	test('signing up again with a confirmed email mails nothing and answers a fake user', async () => {
		const email = newEmail();
		const { data: first } = await clientFor(api).auth.signUp({ email, password: 'secret-123' });
		await followLink(confirmationLink(await latestMailTo(api, email)));
		const { data, error } = await clientFor(api).auth.signUp({ email, password: 'other-456' });
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		expect(data.user!.id).not.toBe(first.user!.id);
		expect(data.user!.identities).toEqual([]);
		expect(await mailTo(api, email)).toHaveLength(1);
	});

	test('signing up again before confirming mails a new link; the old one stops working', async () => {
		const email = newEmail();
		await clientFor(fast).auth.signUp({ email, password: 'secret-123' });
		const oldLink = confirmationLink(await latestMailTo(fast, email));
		await clientFor(fast).auth.signUp({ email, password: 'secret-123' });
		const newLink = confirmationLink(await latestMailTo(fast, email, 2));
		expect(newLink).not.toBe(oldLink);
		expect((await followLink(oldLink)).fragment.get('error_code')).toBe('otp_expired');
		expect((await followLink(newLink)).fragment.get('type')).toBe('signup');
	});

	test('a second mail within max_frequency is refused with 429 over_email_send_rate_limit', async () => {
		const email = newEmail();
		await clientFor(hosted).auth.signUp({ email, password: 'secret-123' });
		const { error } = await clientFor(hosted).auth.signUp({ email, password: 'secret-123' });
		expect(error?.status).toBe(429);
		expect(error?.code).toBe('over_email_send_rate_limit');
		expect(error?.message).toMatch(/^For security purposes, you can only request this after \d+ seconds\.$/);
		expect(await mailTo(hosted, email)).toHaveLength(1);
	});

	test('a redirect_to outside the allow list lands on the site URL', async () => {
		const email = newEmail();
		await clientFor(api).auth.signUp({
			email,
			password: 'secret-123',
			options: { emailRedirectTo: 'https://evil.example/steal' },
		});
		const { location } = await followLink(confirmationLink(await latestMailTo(api, email)));
		expect(location.origin).toBe('http://127.0.0.1:5173');
	});

	test('/settings says mailer_autoconfirm is off', async () => {
		const response = await fetch(`${api.url}/auth/v1/settings`, { headers: { apikey: api.config.anonKey } });
		expect(((await response.json()) as { mailer_autoconfirm: boolean }).mailer_autoconfirm).toBe(false);
	});
});

describe('linking an email to an anonymous user', () => {
	test('waits for the link, then makes the same user permanent, and the password signs in elsewhere', async () => {
		const guest = clientFor(api, api.config.anonKey, { auth: { persistSession: true, autoRefreshToken: false } });
		const { data: anon } = await guest.auth.signInAnonymously();
		const id = anon.user!.id;
		const email = newEmail();

		const { data, error } = await guest.auth.updateUser({ email }, { emailRedirectTo: APP });
		expect(error).toBeNull();
		expect(data.user!.is_anonymous).toBe(true);
		expect(data.user!.email).toBe('');
		expect(data.user!.new_email).toBe(email);
		expect((await userRow(id)).is_anonymous).toBe(true);

		const stillGuest = await guest.auth.updateUser({ password: 'secret-123' });
		expect(stillGuest.error?.message).toMatch(/anonymous user without an email/);

		const mail = await latestMailTo(api, email);
		expect(mail.Subject).toBe('Confirm your new email address');
		const { fragment } = await followLink(confirmationLink(mail));
		expect(fragment.get('type')).toBe('email_change');
		const row = await userRow(id);
		expect(row.is_anonymous).toBe(false);
		expect(row.email).toBe(email);
		expect(row.email_confirmed_at).not.toBeNull();
		expect(row.raw_app_meta_data).toEqual({ provider: 'email', providers: ['email'] });

		// The guest's own session, refreshed, now belongs to a permanent user and may set a password.
		const refreshed = await guest.auth.refreshSession();
		expect(refreshed.data.user!.is_anonymous).toBe(false);
		expect(refreshed.data.user!.identities!.map((i) => i.provider)).toEqual(['email']);
		expect((await guest.auth.updateUser({ password: 'secret-123' })).error).toBeNull();

		const otherDevice = await clientFor(api).auth.signInWithPassword({ email, password: 'secret-123' });
		expect(otherDevice.error).toBeNull();
		expect(otherDevice.data.user!.id).toBe(id);
	});

	test('an email someone already has is refused as email_exists and mails nothing', async () => {
		const email = newEmail();
		await api.pool.query(
			`insert into auth.users (id, aud, role, email, email_confirmed_at) values ($1, 'authenticated', 'authenticated', $2, now())`,
			[randomUUID(), email],
		);
		const guest = clientFor(api, api.config.anonKey, { auth: { persistSession: true } });
		await guest.auth.signInAnonymously();
		const { error } = await guest.auth.updateUser({ email });
		expect(error?.code).toBe('email_exists');
		expect(await mailTo(api, email)).toHaveLength(0);
	});
});

describe('changing a permanent user email (secure email change)', () => {
	async function confirmedUser() {
		const email = newEmail();
		const client = clientFor(api, api.config.anonKey, { auth: { persistSession: true } });
		await client.auth.signUp({ email, password: 'secret-123' });
		await followLink(confirmationLink(await latestMailTo(api, email)));
		const { data } = await client.auth.signInWithPassword({ email, password: 'secret-123' });
		return { client, email, id: data.user!.id };
	}

	test('needs both links: the first answers a message, the second changes the address', async () => {
		const { client, email, id } = await confirmedUser();
		const next = newEmail();
		const { data } = await client.auth.updateUser({ email: next });
		expect(data.user!.email).toBe(email);
		expect(data.user!.new_email).toBe(next);

		const toOld = await latestMailTo(api, email, 2);
		const toNew = await latestMailTo(api, next);
		const first = await followLink(confirmationLink(toOld));
		expect(Object.fromEntries(first.fragment)).toEqual({
			message: 'Confirmation link accepted. Please proceed to confirm link sent to the other email',
			sb: '',
		});
		expect((await userRow(id)).email).toBe(email);
		const second = await followLink(confirmationLink(toNew));
		expect(second.fragment.get('type')).toBe('email_change');
		expect((await userRow(id)).email).toBe(next);
		expect((await userRow(id)).email_change).toBe('');
	});

	test('verifyOtp with the codes: the first answers no session, the second the session', async () => {
		const { client, email, id } = await confirmedUser();
		const next = newEmail();
		await client.auth.updateUser({ email: next });
		const first = await client.auth.verifyOtp({
			email,
			token: confirmationCode(await latestMailTo(api, email, 2)),
			type: 'email_change',
		});
		expect(first.error).toBeNull();
		expect(first.data.session).toBeNull();
		const second = await client.auth.verifyOtp({
			email: next,
			token: confirmationCode(await latestMailTo(api, next)),
			type: 'email_change',
		});
		expect(second.error).toBeNull();
		expect(second.data.user!.id).toBe(id);
		expect(second.data.user!.email).toBe(next);
	});
});

describe('the inbox API (Mailpit shape)', () => {
	test('lists summaries newest first, shows one message, and deletes', async () => {
		const a = newEmail();
		const b = newEmail();
		await clientFor(own).auth.signUp({ email: a, password: 'secret-123' });
		await clientFor(own).auth.signUp({ email: b, password: 'secret-123' });
		const list = (await (await fetch(`${own.url}/inbox/api/v1/messages`)).json()) as {
			total: number;
			messages: { ID: string; To: { Address: string }[]; Subject: string; Snippet: string }[];
		};
		expect(list.total).toBe(2);
		expect(list.messages.map((m) => m.To[0]!.Address)).toEqual([b, a]);
		const one = await fetch(`${own.url}/inbox/api/v1/message/${list.messages[0]!.ID}`);
		expect(((await one.json()) as { Text: string }).Text).toContain('/auth/v1/verify?token=');
		expect((await fetch(`${own.url}/inbox/api/v1/message/nope`)).status).toBe(404);
		expect((await fetch(`${own.url}/inbox/api/v1/messages`, { method: 'DELETE' })).status).toBe(200);
		expect(((await (await fetch(`${own.url}/inbox/api/v1/messages`)).json()) as { total: number }).total).toBe(0);
	});
});
