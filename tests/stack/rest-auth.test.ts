import { beforeAll, describe, expect, test } from 'vitest';
import { signJwt } from '../../supabase/local/jwt.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import { createUser, mintAccessToken } from '../helpers/users.ts';

const api = await startTestStack();
const anon = clientFor(api);

beforeAll(async () => {
	await api.pool.query(`
		create function public.whoami() returns uuid language sql stable security definer set search_path = '' as $$
		  select auth.uid() $$;
		create function public.my_role() returns text language sql stable as $$ select current_user::text $$;
		create function public.members_only() returns text language sql as $$ select 'welcome' $$;
		revoke execute on function public.members_only() from public, anon;
		grant execute on function public.members_only() to authenticated;
		create function public.staff_only() returns text language sql as $$ select 'staff' $$;
		revoke execute on function public.staff_only() from public, anon, authenticated;
	`);
});

const expectInvalidToken = (res: Response, description: string) =>
	expect(res.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${description}"`);

describe('tokens', () => {
	test('a signed-in user’s claims reach auth.uid() inside a security definer function', async () => {
		const user = await createUser(api);
		expect((await user.client.rpc('whoami')).data).toBe(user.id);
		expect((await anon.rpc('whoami')).data).toBeNull();
	});

	test('the role claim becomes the database role', async () => {
		expect((await anon.rpc('my_role')).data).toBe('anon');
		expect((await (await createUser(api)).client.rpc('my_role')).data).toBe('authenticated');
		expect((await clientFor(api, api.config.serviceRoleKey).rpc('my_role')).data).toBe('service_role');
	});

	test('opaque sb_ keys act as anon and service_role', async () => {
		expect((await clientFor(api, 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH').rpc('my_role')).data).toBe('anon');
		expect((await clientFor(api, 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz').rpc('my_role')).data).toBe(
			'service_role',
		);
	});

	test('an expired token is 401 PGRST303 "JWT expired" with WWW-Authenticate', async () => {
		const token = mintAccessToken(api, crypto.randomUUID(), -120);
		const res = await fetch(`${api.url}/rest/v1/rpc/my_role`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(res.status).toBe(401);
		expectInvalidToken(res, 'JWT expired');
		expect(await res.json()).toEqual({ code: 'PGRST303', details: null, hint: null, message: 'JWT expired' });
	});

	test('an expired token seen through supabase-js is the same 401', async () => {
		const token = mintAccessToken(api, crypto.randomUUID(), -120);
		const client = clientFor(api, api.config.anonKey, { accessToken: async () => token });
		expect(await client.rpc('my_role')).toMatchObject({ status: 401, error: { code: 'PGRST303' } });
	});

	test('a token signed with another secret is 401 PGRST301', async () => {
		const token = signJwt(
			{ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 60 },
			'not-the-secret-at-all-not-the-secret',
		);
		const res = await fetch(`${api.url}/rest/v1/rpc/my_role`, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(res.status).toBe(401);
		expect((await res.json()).code).toBe('PGRST301');
		expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
	});

	test('garbage in place of a token is 401 PGRST301', async () => {
		const res = await fetch(`${api.url}/rest/v1/cities`, {
			headers: { apikey: api.config.anonKey, authorization: 'Bearer not-a-jwt' },
		});
		expect(res.status).toBe(401);
		expect((await res.json()).code).toBe('PGRST301');
	});

	test('a role that does not exist is 401 (22023)', async () => {
		const token = signJwt({ role: 'ghost', exp: Math.floor(Date.now() / 1000) + 60 }, api.config.jwtSecret);
		const client = clientFor(api, token);
		const { error, status } = await client.rpc('my_role');
		expect(status).toBe(401);
		expect(error).toMatchObject({ code: '22023', message: 'role "ghost" does not exist' });
	});
});

describe('EXECUTE privileges', () => {
	test('a function revoked from anon is 401 for the anon key and runs for a signed-in user', async () => {
		const { error, status } = await anon.rpc('members_only');
		expect(status).toBe(401);
		expect(error).toMatchObject({ code: '42501', message: 'permission denied for function members_only' });
		expect((await (await createUser(api)).client.rpc('members_only')).data).toBe('welcome');
	});

	test('a function revoked from authenticated is 403 for a signed-in user, also via GET', async () => {
		const user = await createUser(api);
		expect((await user.client.rpc('staff_only')).status).toBe(403);
		expect((await user.client.rpc('staff_only', {}, { get: true })).status).toBe(403);
		expect((await anon.rpc('staff_only', {}, { get: true })).status).toBe(401);
	});
});
