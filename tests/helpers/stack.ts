import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { afterAll, inject } from 'vitest';
import WebSocket from 'ws';
import { databasesOf, startTestApi } from '../../supabase/local/testing.ts';
import type { ApiHandle, ApiOptions } from '../../supabase/local/stack.ts';

export type TestApi = ApiHandle & { databaseUrl: string };

/**
 * Starts a local API on a free port over a fresh clone of the migrated template database, and
 * stops it after the file's tests. Black-box: tests talk to it only through supabase-js (and use
 * `api.pool`, a superuser pool, to arrange and inspect state).
 */
export async function startTestStack(options: Omit<ApiOptions, 'databaseUrl'> = {}): Promise<TestApi> {
	const api = await startTestApi(databasesOf(inject('pgAdminUrl')), options);
	afterAll(async () => {
		await api.close();
	});
	return api;
}

/**
 * The unmodified supabase-js client pointed at the test API. Node 20 has no global WebSocket, so
 * Realtime gets the `ws` package as its transport (browsers use their own).
 */
export function clientFor(
	api: Pick<ApiHandle, 'url' | 'config'>,
	key: string = api.config.anonKey,
	options: SupabaseClientOptions<'public'> = {},
): SupabaseClient {
	const client = createClient(api.url, key, {
		...options,
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, ...options.auth },
		realtime: { transport: WebSocket as never, ...options.realtime },
	});
	clients.push(client);
	return client;
}

const clients: SupabaseClient[] = [];
afterAll(async () => {
	await Promise.all(clients.splice(0).map((c) => c.removeAllChannels().catch(() => {})));
});

/** Waits until `check` returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
	check: () => T | Promise<T>,
	what: string,
	timeoutMs = 5000,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}
