import { describe, expect, test } from 'vitest';
import { verifyJwt } from '../../supabase/local/jwt.ts';
import { clientFor, startTestStack } from '../helpers/stack.ts';

// A one-second reuse window keeps the "after the window" cases fast.
const api = await startTestStack({ config: { refreshTokenReuseSeconds: 1 } });

const sessionIdOf = (token: string) => {
	const verified = verifyJwt(token, api.config.jwtSecret);
	if (!verified.ok) throw new Error(verified.message);
	return verified.claims.session_id;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh client per refresh: auth-js caches a failed refresh per token for a while. */
async function refresh(refreshToken: string) {
	return clientFor(api).auth.refreshSession({ refresh_token: refreshToken });
}

async function refreshed(refreshToken: string): Promise<string> {
	const { data, error } = await refresh(refreshToken);
	if (error) throw error;
	return data.session!.refresh_token;
}

async function anonymousSession() {
	const { data, error } = await clientFor(api).auth.signInAnonymously();
	if (error) throw error;
	return data.session!;
}

describe('refresh token rotation', () => {
	test('a refresh returns a new refresh token and a new access token for the same session', async () => {
		const first = await anonymousSession();
		await sleep(1000); // so the new token's iat differs
		const { data, error } = await refresh(first.refresh_token);
		expect(error).toBeNull();
		const next = data.session!;
		expect(next.refresh_token).toMatch(/^[a-z0-9]{12}$/);
		expect(next.refresh_token).not.toBe(first.refresh_token);
		expect(next.access_token).not.toBe(first.access_token);
		expect(sessionIdOf(next.access_token)).toBe(sessionIdOf(first.access_token));
		expect(data.user!.id).toBe(first.user.id);
	});

	test('reusing the token just rotated returns the active token again, as a lost response needs', async () => {
		const first = await anonymousSession();
		const second = await refreshed(first.refresh_token);
		expect(await refreshed(first.refresh_token)).toBe(second);
		await sleep(1200);
		expect(await refreshed(first.refresh_token)).toBe(second);
	});

	test('an older token is accepted again within the reuse window', async () => {
		const first = await anonymousSession();
		const second = await refreshed(first.refresh_token);
		const third = await refreshed(second);
		const { data, error } = await refresh(first.refresh_token);
		expect(error).toBeNull();
		expect([first.refresh_token, second, third]).not.toContain(data.session!.refresh_token);
	});

	test('an older token reused after the window is refresh_token_already_used and ends the session', async () => {
		const first = await anonymousSession();
		const second = await refreshed(first.refresh_token);
		const third = await refreshed(second);
		await sleep(1200);
		const late = await refresh(first.refresh_token);
		expect(late.data.session).toBeNull();
		expect(late.error).toMatchObject({
			name: 'AuthApiError',
			status: 400,
			code: 'refresh_token_already_used',
			message: 'Invalid Refresh Token: Already Used',
		});
		// Possible theft: every token of the session is revoked, the newest one included.
		await sleep(1200);
		expect((await refresh(third)).error).toMatchObject({
			code: 'refresh_token_already_used',
		});
	});

	test('concurrent refreshes of one token from several tabs all succeed with the same new token', async () => {
		const first = await anonymousSession();
		// Tabs that are already up (auth-js initialised), so their requests really overlap.
		const tabs = Array.from({ length: 6 }, () => clientFor(api));
		await Promise.all(tabs.map((tab) => tab.auth.getSession()));
		const results = await Promise.all(
			tabs.map((tab) => tab.auth.refreshSession({ refresh_token: first.refresh_token })),
		);
		for (const result of results) expect(result.error).toBeNull();
		const tokens = new Set(results.map((r) => r.data.session!.refresh_token));
		expect(tokens.size).toBe(1);
		expect(tokens.has(first.refresh_token)).toBe(false);
		const { rows } = await api.pool.query(
			'select count(*)::int as n from auth.refresh_tokens where session_id = $1 and not revoked',
			[sessionIdOf(first.access_token)],
		);
		expect(rows[0].n).toBe(1);
	});

	test('an unknown refresh token is refresh_token_not_found', async () => {
		const { error } = await refresh('abcdefghijkl');
		expect(error).toMatchObject({
			status: 400,
			code: 'refresh_token_not_found',
		});
	});

	test('a refresh token of the wrong shape is validation_failed', async () => {
		const { error } = await refresh('short');
		expect(error).toMatchObject({
			status: 400,
			code: 'validation_failed',
			message: 'Refresh token is not valid',
		});
	});
});
