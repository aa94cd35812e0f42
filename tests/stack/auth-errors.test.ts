import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';

const api = await startTestStack();

/** A request as auth-js makes it, minus the client: anon key, API version header, JSON body. */
function post(path: string, body: string, headers: Record<string, string> = {}) {
	return fetch(`${api.url}/auth/v1${path}`, {
		method: 'POST',
		headers: {
			apikey: api.config.anonKey,
			authorization: `Bearer ${api.config.anonKey}`,
			'content-type': 'application/json;charset=UTF-8',
			'x-supabase-api-version': '2024-01-01',
			...headers,
		},
		body,
	});
}

describe('error responses', () => {
	test('a malformed JSON body is 400 bad_json in the 2024-01-01 format, with its headers', async () => {
		const res = await post('/signup', '{"email": "a@example.com",');
		expect(res.status).toBe(400);
		expect(res.headers.get('x-supabase-api-version')).toBe('2024-01-01');
		expect(res.headers.get('x-sb-error-code')).toBe('bad_json');
		const body = await res.json();
		expect(body).toMatchObject({ code: 'bad_json', error_code: 'bad_json' });
		expect(body.message).toMatch(/^Could not parse request body as JSON: /);
	});

	test('an empty body is bad_json too, as GoTrue cannot unmarshal it', async () => {
		const res = await post('/token?grant_type=password', '');
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({
			code: 'bad_json',
			message: 'Could not parse request body as JSON: unexpected end of JSON input',
		});
	});

	test('a field of the wrong JSON type is bad_json naming the field', async () => {
		const res = await post('/signup', JSON.stringify({ email: 42, password: 'secret123' }));
		expect(res.status).toBe(400);
		expect((await res.json()).message).toContain('SignupParams.email of type string');
	});

	test('a JSON body that is not an object is bad_json', async () => {
		const res = await post('/signup', '[1, 2]');
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code: 'bad_json' });
	});

	test('an unknown grant type is 400 invalid_credentials', async () => {
		const res = await post('/token?grant_type=magic', '{}');
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({
			code: 'invalid_credentials',
			message: 'unsupported_grant_type',
		});
	});

	test('an unknown auth route is a JSON 404 not_found', async () => {
		const res = await fetch(`${api.url}/auth/v1/no-such-endpoint`, {
			headers: { apikey: api.config.anonKey },
		});
		expect(res.status).toBe(404);
		expect(res.headers.get('x-supabase-api-version')).toBe('2024-01-01');
		expect(await res.json()).toMatchObject({ code: 'not_found' });
	});

	test('an unsupported logout scope is validation_failed', async () => {
		const { data } = await clientFor(api).auth.signInAnonymously();
		const res = await post('/logout?scope=everywhere', '', {
			authorization: `Bearer ${data.session!.access_token}`,
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code: 'validation_failed' });
	});
});

describe('service endpoints', () => {
	test('successful responses carry the X-Supabase-Api-Version header, exposed to browsers', async () => {
		const res = await post('/signup', JSON.stringify({ data: {}, gotrue_meta_security: {} }));
		expect(res.status).toBe(200);
		expect(res.headers.get('x-supabase-api-version')).toBe('2024-01-01');
		expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Supabase-Api-Version/i);
	});

	test('settings report email and anonymous sign-ins enabled and auto-confirmed mail', async () => {
		const res = await fetch(`${api.url}/auth/v1/settings`, {
			headers: { apikey: api.config.anonKey },
		});
		expect(await res.json()).toMatchObject({
			external: {
				anonymous_users: true,
				email: true,
				phone: false,
				google: false,
			},
			disable_signup: false,
			mailer_autoconfirm: true,
		});
	});

	test('health answers like GoTrue', async () => {
		const res = await fetch(`${api.url}/auth/v1/health`);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ name: 'GoTrue' });
	});

	test('logout answers 204 with no body', async () => {
		const { data } = await clientFor(api).auth.signInAnonymously();
		const res = await post('/logout?scope=local', '', {
			authorization: `Bearer ${data.session!.access_token}`,
		});
		expect(res.status).toBe(204);
		expect(await res.text()).toBe('');
	});
});

describe('database outage', () => {
	test('an unreachable database is a retryable 5xx, and service resumes when it is back', async () => {
		const email = `user-${randomUUID()}@example.com`;
		await clientFor(api).auth.signUp({ email, password: 'secret123' });
		const database = new URL(api.databaseUrl).pathname.slice(1);
		const adminUrl = new URL(api.databaseUrl);
		adminUrl.pathname = '/postgres';
		const admin = new pg.Client({ connectionString: adminUrl.toString() });
		await admin.connect();
		try {
			await admin.query(`alter database "${database}" allow_connections false`);
			await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
			const { error } = await clientFor(api).auth.signInWithPassword({
				email,
				password: 'secret123',
			});
			expect(error).toMatchObject({ name: 'AuthRetryableFetchError' });
			expect(error!.status).toBe(503);
		} finally {
			await admin.query(`alter database "${database}" allow_connections true`);
			await admin.end();
		}
		const { error } = await clientFor(api).auth.signInWithPassword({
			email,
			password: 'secret123',
		});
		expect(error).toBeNull();
	});
});
