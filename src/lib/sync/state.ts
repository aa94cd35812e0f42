// Sync state as the UI sees it, per trip and overall, and a bounded history of sync runs for a
// diagnostics panel. Typed unions: every state carries the data that goes with it.

export type SyncProblem =
	| { kind: 'network'; message: string }
	| { kind: 'server'; status: number; code: string; message: string }
	| { kind: 'circuit-open'; until: number; message: string }
	/** Signed out, or another user signed in (in another tab): nothing is pushed under their token. */
	| { kind: 'signed-out'; message: string }
	| { kind: 'wrong-user'; sessionUserId: string; message: string }
	/** A viewer's edits: refused by the server, kept locally (exportable), never silently dropped. */
	| { kind: 'read-only'; pending: number; message: string }
	/** Removed from the trip, or the trip was deleted: syncing stopped, unsynced edits exportable. */
	| { kind: 'removed'; pending: number; message: string }
	/** Local edits depend on a change this device may not push (not its own). */
	| { kind: 'blocked'; missing: string[]; message: string };

export type StorageWarning = { kind: 'nearly-full'; usage: number; quota: number } | { kind: 'may-be-evicted' };

export type SyncStatus =
	| { kind: 'offline' }
	| { kind: 'idle' }
	| { kind: 'syncing'; since: number }
	| { kind: 'synced'; at: number }
	| { kind: 'error'; problem: SyncProblem; retryAt: number | null };

export interface TripSyncState {
	tripId: string;
	status: SyncStatus;
	/** Local change sets not yet acknowledged by the server. */
	pending: number;
	lastSyncedAt: number | null;
	lastError: SyncProblem | null;
	/** Change sets set aside (pulled ones Automerge cannot parse, local ones the server refused). */
	quarantined: number;
	role: 'owner' | 'editor' | 'viewer' | null;
	storage: StorageWarning[];
}

export interface OverallSyncState {
	status: SyncStatus;
	pending: number;
	lastSyncedAt: number | null;
	lastError: SyncProblem | null;
	storage: StorageWarning[];
	trips: Record<string, TripSyncState>;
}

export interface SyncRun {
	tripId: string;
	trigger: string;
	startedAt: number;
	durationMs: number;
	pushed: number;
	pulled: number;
	bytesUp: number;
	bytesDown: number;
	pushCalls: number;
	/** Scalar conflicts visible after the run (Automerge keeps every concurrent value). */
	conflicts: number;
	quarantined: number;
	outcome: 'ok' | 'error';
	error?: string;
}

export const HISTORY_LIMIT = 100;

const RANK: Record<SyncStatus['kind'], number> = { error: 4, syncing: 3, offline: 2, idle: 1, synced: 0 };

/** The overall state: the most pressing trip status, summed counts, the latest sync time. */
export function overallOf(trips: Record<string, TripSyncState>, online: boolean): OverallSyncState {
	const all = Object.values(trips);
	let status: SyncStatus = online
		? ({ kind: all.length ? 'synced' : 'idle', at: 0 } as SyncStatus)
		: { kind: 'offline' };
	let lastSyncedAt: number | null = null;
	let lastError: SyncProblem | null = null;
	for (const t of all) {
		if (RANK[t.status.kind] > RANK[status.kind]) status = t.status;
		if (t.lastSyncedAt !== null && (lastSyncedAt === null || t.lastSyncedAt > lastSyncedAt))
			lastSyncedAt = t.lastSyncedAt;
		lastError ??= t.lastError;
	}
	if (status.kind === 'synced') status = { kind: 'synced', at: lastSyncedAt ?? 0 };
	const storage = all.find((t) => t.storage.length > 0)?.storage ?? [];
	return { status, pending: all.reduce((n, t) => n + t.pending, 0), lastSyncedAt, lastError, storage, trips };
}

/** A tiny observable the Svelte UI adapts with `$state`/`fromStore` (subscribe/get, store contract). */
export class StateCell<T> {
	#value: T;
	readonly #listeners = new Set<(value: T) => void>();
	constructor(value: T) {
		this.#value = value;
	}
	get(): T {
		return this.#value;
	}
	set(value: T): void {
		this.#value = value;
		for (const l of this.#listeners) l(value);
	}
	subscribe(listener: (value: T) => void): () => void {
		this.#listeners.add(listener);
		listener(this.#value);
		return () => this.#listeners.delete(listener);
	}
}
