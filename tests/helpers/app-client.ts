import type { SupabaseClient } from '@supabase/supabase-js';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { AppAuth } from '../../src/lib/supabase/auth.ts';
import { createAppClient, type AppClientOptions } from '../../src/lib/supabase/client.ts';
import type { ApiHandle } from '../../supabase/local/stack.ts';

/**
 * One browser profile: its own IndexedDB (fake-indexeddb, real IndexedDB semantics), shared by
 * every "tab" and "worker" client made on it, as an origin's contexts share theirs.
 */
export function newDevice(): IDBFactory {
	return new IDBFactory();
}

const made: { client: SupabaseClient; auth?: AppAuth }[] = [];
afterAll(async () => {
	for (const { client, auth } of made.splice(0)) {
		await auth?.close();
		await client.auth.stopAutoRefresh();
		await client.removeAllChannels().catch(() => {});
	}
});

/**
 * The app's own client (src/lib/supabase/client.ts) against the test stack, on `device`. No
 * background refresh timer unless asked: tests trigger refreshes themselves.
 */
export function appClientFor(
	api: Pick<ApiHandle, 'url' | 'config'>,
	device: IDBFactory,
	options: Omit<AppClientOptions, 'config' | 'indexedDB'> = {},
): SupabaseClient {
	const client = createAppClient({
		autoRefreshToken: false,
		...options,
		config: { url: api.url, anonKey: api.config.anonKey },
		indexedDB: device,
		client: { realtime: { transport: WebSocket as never }, ...options.client },
	});
	made.push({ client });
	return client;
}

/** The app's AppAuth on a fresh client of `device` (a tab, or the app after a reload). */
export function appAuthFor(
	api: Pick<ApiHandle, 'url' | 'config'>,
	device: IDBFactory,
	{ redirectTo = 'http://127.0.0.1:5173/', fetch }: { redirectTo?: string; fetch?: typeof globalThis.fetch } = {},
): { client: SupabaseClient; auth: AppAuth } {
	const client = appClientFor(api, device, fetch ? { client: { global: { fetch } } } : {});
	const auth = new AppAuth(client, { indexedDB: device, redirectTo });
	made.push({ client, auth });
	return { client, auth };
}
