import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { mintAccessToken } from '../../supabase/local/testing.ts';
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

export { mintAccessToken } from '../../supabase/local/testing.ts';
