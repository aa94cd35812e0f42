import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { supabaseConfig, type SupabaseConfig } from './config';
import { AUTH_STORAGE_KEY, type IdbSource } from './idb';
import { chooseAuthLock, type LockFunc } from './lock';
import { IdbSessionStorage } from './storage';

export { AUTH_STORAGE_KEY };

export interface AppClientOptions {
	/** Project URL and key; default the build's {@link supabaseConfig}. */
	config?: SupabaseConfig;
	/** The IndexedDB holding the session; default the global one. Tests give each "device" its own. */
	indexedDB?: IdbSource;
	/**
	 * The refresh lock; default {@link chooseAuthLock}: Web Locks, or the IndexedDB lease where
	 * `navigator.locks` is missing. Contexts that share a session must share the lock too.
	 */
	lock?: LockFunc;
	/**
	 * Refresh the access token in the background before it expires. The tabs do; a service worker
	 * woken for one sync should not keep a timer alive (its `getSession()` still refreshes, under
	 * the lock, when the token is about to expire).
	 */
	autoRefreshToken?: boolean;
	/** Extra supabase-js options (e.g. `global.fetch`, `realtime.transport` in Node). */
	client?: Omit<SupabaseClientOptions<'public'>, 'auth'>;
}

/**
 * A supabase-js client whose session lives in IndexedDB under {@link AUTH_STORAGE_KEY} and whose
 * refreshes are serialised across tabs and the worker: while one context refreshes, the others
 * wait for the lock and then read the rotated session from storage instead of refreshing again.
 *
 * @remarks supabase-js 2.x marks its `lock` option deprecated in favour of letting GoTrue resolve
 * concurrent refreshes; we keep it because without it each tab and the worker would each spend a
 * refresh grant (and race to write storage) whenever the token nears expiry.
 */
export function createAppClient(options: AppClientOptions = {}): SupabaseClient {
	const config = options.config ?? supabaseConfig;
	return createClient(config.url, config.anonKey, {
		...options.client,
		auth: {
			storage: new IdbSessionStorage(options.indexedDB),
			storageKey: AUTH_STORAGE_KEY,
			lock: options.lock ?? chooseAuthLock(options.indexedDB).lock,
			persistSession: true,
			autoRefreshToken: options.autoRefreshToken ?? true,
			// Confirmation links are completed explicitly (AppAuth.completeFromRedirect), so that
			// the app decides what a returning link means for a guest.
			detectSessionInUrl: false,
		},
	});
}

let appClient: SupabaseClient | undefined;

/** The app's one client in this context (tab or worker), created on first use. */
export function getAppClient(): SupabaseClient {
	return (appClient ??= createAppClient());
}

/**
 * The user the client's session belongs to, or null when signed out. Reads storage (refreshing
 * under the lock if the token is about to expire), so a worker sees what the tabs last stored.
 */
export async function sessionUserId(client: SupabaseClient): Promise<string | null> {
	const { data, error } = await client.auth.getSession();
	if (error) throw error;
	return data.session?.user.id ?? null;
}

/**
 * The app's client, as the first skeleton exported it.
 *
 * @deprecated Use {@link getAppClient}. This stand-in creates the client on first use (importing
 * the module must not open IndexedDB, e.g. in Node tests) and forwards to it.
 */
export const supabase: SupabaseClient = new Proxy({} as SupabaseClient, {
	get(_target, key) {
		const client = getAppClient();
		const value: unknown = Reflect.get(client, key, client);
		return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
	},
});
