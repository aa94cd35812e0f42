import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { signJwt } from '../../supabase/local/jwt.ts';
import type { ApiHandle } from '../../supabase/local/stack.ts';
import { clientFor } from './stack.ts';

export interface TestUser {
	id: string;
	accessToken: string;
	/** supabase-js acting as this user (REST and Realtime carry its token). */
	client: SupabaseClient;
}

/**
 * A user that exists in auth.users, with an access token minted as GoTrue mints them. For tests
 * of things other than Auth itself, so they need not go through sign-up; `expiresIn` < 0 gives
 * an already expired token.
 */
export async function createUser(
	api: Pick<ApiHandle, 'url' | 'config' | 'pool'>,
	{ expiresIn = 3600, email }: { expiresIn?: number; email?: string } = {},
): Promise<TestUser> {
	const id = randomUUID();
	await api.pool.query(
		`insert into auth.users (id, aud, role, email, is_anonymous, raw_app_meta_data)
		 values ($1, 'authenticated', 'authenticated', $2, $3, $4)`,
		[id, email ?? null, !email, email ? { provider: 'email', providers: ['email'] } : {}],
	);
	const accessToken = mintAccessToken(api, id, expiresIn);
	const client = clientFor(api, api.config.anonKey, { accessToken: async () => accessToken });
	return { id, accessToken, client };
}

export function mintAccessToken(api: Pick<ApiHandle, 'url' | 'config'>, userId: string, expiresIn = 3600): string {
	const now = Math.floor(Date.now() / 1000);
	return signJwt(
		{
			iss: `${api.url}/auth/v1`,
			sub: userId,
			aud: 'authenticated',
			exp: now + expiresIn,
			iat: now,
			role: 'authenticated',
			aal: 'aal1',
			amr: [{ method: 'anonymous', timestamp: now }],
			session_id: randomUUID(),
			is_anonymous: true,
		},
		api.config.jwtSecret,
	);
}
