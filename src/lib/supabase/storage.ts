import type { SupportedStorage } from '@supabase/supabase-js';
import { inStore, resolveFactory, SESSION_STORE, type IdbSource } from './idb';

/**
 * supabase-js's `auth.storage` over IndexedDB instead of localStorage: the service worker has no
 * localStorage, and it must read (and refresh) the same session the tabs use. Items are the
 * strings supabase-js writes (the session JSON under its storage key); nothing else is stored.
 * The database is opened lazily, so creating a client never touches IndexedDB by itself.
 */
export class IdbSessionStorage implements SupportedStorage {
	readonly #source: IdbSource | undefined;
	#factory: IDBFactory | undefined;

	/** @param source the IndexedDB to use; default the global `indexedDB` (tests pass fake-indexeddb's). */
	constructor(source?: IdbSource) {
		this.#source = source;
	}

	get #idb(): IDBFactory {
		return (this.#factory ??= resolveFactory(this.#source));
	}

	async getItem(key: string): Promise<string | null> {
		const value = await inStore<unknown>(this.#idb, SESSION_STORE, 'readonly', (s) => s.get(key));
		// Anything but a string is not ours (a corrupt or foreign entry): report it absent, and
		// supabase-js then treats the device as signed out instead of failing every call.
		return typeof value === 'string' ? value : null;
	}

	async setItem(key: string, value: string): Promise<void> {
		await inStore(this.#idb, SESSION_STORE, 'readwrite', (s) => s.put(value, key));
	}

	async removeItem(key: string): Promise<void> {
		await inStore(this.#idb, SESSION_STORE, 'readwrite', (s) => s.delete(key));
	}
}
