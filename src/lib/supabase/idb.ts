/**
 * The device's auth database: one small IndexedDB database the window, other tabs and the service
 * worker all open by name, so each of them reads the same session. Two object stores: `session`
 * (supabase-js's storage items, key → string) and `locks` (the lease lock used where Web Locks are
 * missing, name → {@link Lease}).
 */
export const AUTH_DB_NAME = 'tripmate-auth';
const AUTH_DB_VERSION = 1;
export const SESSION_STORE = 'session';
export const LOCK_STORE = 'locks';

/**
 * The key of the session in the `session` store. Fixed (not derived from the project URL, as
 * supabase-js's default is) so the service worker finds it without knowing how the tab was built.
 */
export const AUTH_STORAGE_KEY = 'tripmate-auth-session';

/** Where IndexedDB comes from: the global one in browsers and workers, fake-indexeddb in Node tests. */
export type IdbSource = IDBFactory | (() => IDBFactory);

export function resolveFactory(source: IdbSource | undefined): IDBFactory {
	const factory = typeof source === 'function' ? source() : (source ?? globalThis.indexedDB);
	if (!factory) throw new Error('IndexedDB is not available here, so the session cannot be kept');
	return factory;
}

const opened = new WeakMap<IDBFactory, Promise<IDBDatabase>>();

/** The auth database of `factory`, opened once per factory and reopened if the browser closes it. */
export function openAuthDb(factory: IDBFactory): Promise<IDBDatabase> {
	let db = opened.get(factory);
	if (!db) {
		db = new Promise<IDBDatabase>((resolve, reject) => {
			const request = factory.open(AUTH_DB_NAME, AUTH_DB_VERSION);
			request.onupgradeneeded = () => {
				const upgrading = request.result;
				if (!upgrading.objectStoreNames.contains(SESSION_STORE)) upgrading.createObjectStore(SESSION_STORE);
				if (!upgrading.objectStoreNames.contains(LOCK_STORE)) upgrading.createObjectStore(LOCK_STORE);
			};
			request.onsuccess = () => {
				const ready = request.result;
				// Another context upgrading, or the browser evicting: open afresh next time.
				ready.onversionchange = () => ready.close();
				ready.onclose = () => opened.delete(factory);
				resolve(ready);
			};
			request.onerror = () => reject(request.error ?? new Error('Could not open the auth database'));
			request.onblocked = () => reject(new Error('The auth database is blocked by another tab; close it and retry'));
		});
		opened.set(factory, db);
		db.catch(() => opened.delete(factory));
	}
	return db;
}

/**
 * Runs `work` in one transaction on `store` and resolves with its result once the transaction has
 * committed (not merely when the request succeeded), so a caller never acts on a write that may
 * still be rolled back.
 */
export async function inStore<T>(
	factory: IDBFactory,
	store: string,
	mode: IDBTransactionMode,
	work: (store: IDBObjectStore) => IDBRequest<T> | (() => T),
): Promise<T> {
	const db = await openAuthDb(factory);
	return new Promise<T>((resolve, reject) => {
		const tx = db.transaction(store, mode);
		const step = work(tx.objectStore(store));
		let result: T;
		if (typeof step === 'function') {
			tx.oncomplete = () => resolve(step());
		} else {
			step.onsuccess = () => (result = step.result);
			tx.oncomplete = () => resolve(result);
		}
		tx.onerror = () => reject(tx.error ?? new Error(`IndexedDB ${mode} on ${store} failed`));
		tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${mode} on ${store} was aborted`));
	});
}
