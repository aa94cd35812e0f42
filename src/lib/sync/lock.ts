// One sync writer per trip and user across tabs and the service worker: a Web Lock. Where
// navigator.locks is missing (old browsers, Node), an in-process queue per name stands in; across
// processes the server's idempotent push (by hash) keeps a duplicate push harmless, only wasteful.

type LockManagerLike = { request<T>(name: string, cb: () => Promise<T>): Promise<T> };

const queues = new Map<string, Promise<unknown>>();

function localLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
	const previous = queues.get(name) ?? Promise.resolve();
	const run = previous.then(fn, fn);
	const tail = run.catch(() => {});
	queues.set(name, tail);
	void tail.then(() => {
		if (queues.get(name) === tail) queues.delete(name);
	});
	return run;
}

export function withLock<T>(name: string, fn: () => Promise<T>, locks?: LockManagerLike | null): Promise<T> {
	const manager =
		locks === undefined
			? ((globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? null)
			: locks;
	return manager ? manager.request(name, fn) : localLock(name, fn);
}

export const tripLockName = (userId: string, tripId: string, scope = '') => `tripmate-sync:${scope}${userId}:${tripId}`;
