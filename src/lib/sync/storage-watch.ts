// Browser storage health for the sync state: ask once for persistent storage (so the browser does
// not evict unsynced edits under pressure), and watch the quota.

export interface StorageLike {
	persist?(): Promise<boolean>;
	persisted?(): Promise<boolean>;
	estimate?(): Promise<{ usage?: number; quota?: number }>;
}

/** Usage above this share of the quota is reported as "nearly full". */
export const NEARLY_FULL = 0.9;
const CHECK_EVERY_MS = 60_000;

import type { StorageWarning } from './state';

export function warningsOf(persisted: boolean, usage: number, quota: number): StorageWarning[] {
	const out: StorageWarning[] = [];
	if (quota > 0 && usage / quota >= NEARLY_FULL) out.push({ kind: 'nearly-full', usage, quota });
	if (!persisted) out.push({ kind: 'may-be-evicted' });
	return out;
}

export function watchStorage(storage: StorageLike, report: (w: StorageWarning[]) => void): () => void {
	let stopped = false;
	let persisted = false;
	const check = async () => {
		try {
			const { usage = 0, quota = 0 } = (await storage.estimate?.()) ?? {};
			if (!stopped) report(warningsOf(persisted, usage, quota));
		} catch {
			// Estimates are advisory; a browser that refuses them leaves the warnings as they were.
		}
	};
	void (async () => {
		try {
			persisted = (await storage.persisted?.()) || (await storage.persist?.()) || false;
		} catch {
			persisted = false;
		}
		await check();
	})();
	const timer = setInterval(() => void check(), CHECK_EVERY_MS);
	return () => {
		stopped = true;
		clearInterval(timer);
	};
}
