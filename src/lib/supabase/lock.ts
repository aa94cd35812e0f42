import { navigatorLock, NavigatorLockAcquireTimeoutError } from '@supabase/supabase-js';
import { inStore, LOCK_STORE, resolveFactory, type IdbSource } from './idb';

/** supabase-js's `auth.lock` contract: run `fn` holding the lock `name`. */
export type LockFunc = <R>(name: string, acquireTimeout: number, fn: () => Promise<R>) => Promise<R>;

/** A held lease in the `locks` store. */
interface Lease {
	holder: string;
	/** Date.now() after which the lease is free even if never released (its holder died). */
	expiresAt: number;
}

export interface LeaseLockOptions {
	/** How long a lease lasts without renewal; the holder renews it every third of this. Default 10 s. */
	leaseMs?: number;
	/** How often a waiter looks again. Default 20 ms. */
	pollMs?: number;
}

/** Thrown when the lease is not acquired in time; supabase-js reads `isAcquireTimeout`. */
export class LeaseLockAcquireTimeoutError extends NavigatorLockAcquireTimeoutError {}

/**
 * A cross-tab lock for where `navigator.locks` is missing (old browsers, Node): a lease record in
 * IndexedDB, taken in a readwrite transaction — IndexedDB runs overlapping readwrite transactions
 * on one store one after another, in every tab and worker of the origin, so "read, and write if
 * free" is atomic. The holder renews the lease while `fn` runs and deletes it after; a holder that
 * dies (tab closed mid-refresh) frees the lock when its lease expires. Unlike Web Locks it is not
 * fair (waiters poll), which is harmless for a refresh that takes a round trip.
 */
export function idbLeaseLock(source?: IdbSource, options: LeaseLockOptions = {}): LockFunc {
	const leaseMs = options.leaseMs ?? 10_000;
	const pollMs = options.pollMs ?? 20;
	let factory: IDBFactory | undefined;
	const idb = () => (factory ??= resolveFactory(source));

	const tryAcquire = (name: string, holder: string) =>
		inStore<boolean>(idb(), LOCK_STORE, 'readwrite', (store) => {
			let won = false;
			const read = store.get(name);
			read.onsuccess = () => {
				const lease = read.result as Lease | undefined;
				if (!lease || lease.expiresAt <= Date.now()) {
					store.put({ holder, expiresAt: Date.now() + leaseMs } satisfies Lease, name);
					won = true;
				}
			};
			return () => won;
		});

	const whileHeld = (name: string, holder: string, update: (lease: Lease) => Lease | null) =>
		inStore(idb(), LOCK_STORE, 'readwrite', (store) => {
			const read = store.get(name);
			read.onsuccess = () => {
				const lease = read.result as Lease | undefined;
				if (lease?.holder !== holder) return;
				const next = update(lease);
				if (next) store.put(next, name);
				else store.delete(name);
			};
			return () => undefined;
		});

	return async <R>(name: string, acquireTimeout: number, fn: () => Promise<R>): Promise<R> => {
		const holder = newHolderId();
		// supabase-js passes -1 (wait), 0 (only if free) or a number of ms — or, through
		// supabase-js's wrapper, undefined: wait, as navigatorLock does then.
		const deadline = acquireTimeout >= 0 ? Date.now() + acquireTimeout : Infinity;
		while (!(await tryAcquire(name, holder))) {
			if (Date.now() >= deadline) {
				throw new LeaseLockAcquireTimeoutError(`Acquiring the lease lock "${name}" timed out`);
			}
			await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
		}
		const renew = setInterval(() => {
			void whileHeld(name, holder, (lease) => ({ ...lease, expiresAt: Date.now() + leaseMs })).catch(() => {});
		}, leaseMs / 3);
		try {
			return await fn();
		} finally {
			clearInterval(renew);
			await whileHeld(name, holder, () => null).catch(() => {
				// The lease then expires by itself.
			});
		}
	};
}

/** What {@link chooseAuthLock} looks at: the global navigator, if any. */
export interface LockEnvironment {
	navigator?: { locks?: unknown };
}

/**
 * The lock the app's clients use to serialise session refreshes across tabs and the service
 * worker: Web Locks (`navigatorLock`) where the browser has them — every current browser, in
 * windows and workers alike — and otherwise the IndexedDB lease, which also works across tabs.
 */
export function chooseAuthLock(
	source?: IdbSource,
	env: LockEnvironment = globalThis as LockEnvironment,
): { kind: 'web-locks' | 'idb-lease'; lock: LockFunc } {
	if (env.navigator?.locks) return { kind: 'web-locks', lock: navigatorLock };
	return { kind: 'idb-lease', lock: idbLeaseLock(source) };
}

function newHolderId(): string {
	// randomUUID needs a secure context; an http://LAN-address dev server is not one.
	return typeof crypto?.randomUUID === 'function'
		? crypto.randomUUID()
		: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
