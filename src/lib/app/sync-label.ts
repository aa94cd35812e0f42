// The words of the "Sync status" element. Its text always holds one of Offline, Syncing, Synced or
// Error, plus "N pending" when edits are not on the server yet: outside checks rely on them.
import type { SyncStatus } from '$lib/sync';

export type SyncWord = 'Offline' | 'Syncing' | 'Synced' | 'Error';

export interface SyncLabel {
	word: SyncWord;
	/** e.g. "2 pending"; null when nothing is pending. */
	pending: string | null;
	/** What went wrong, for an error. */
	detail: string | null;
}

/**
 * `idle` is a trip waiting for its first cycle (Syncing); with no trip open at all there is
 * nothing to sync, so `nothingOpen` makes it Synced.
 */
export function syncLabel(status: SyncStatus, pending: number, nothingOpen = false): SyncLabel {
	const word: SyncWord =
		status.kind === 'offline'
			? 'Offline'
			: status.kind === 'error'
				? 'Error'
				: status.kind === 'synced' || (status.kind === 'idle' && nothingOpen)
					? pending > 0
						? 'Syncing'
						: 'Synced'
					: 'Syncing';
	return {
		word,
		pending: pending > 0 ? `${pending} pending` : null,
		detail: status.kind === 'error' ? status.problem.message : null,
	};
}
