import type { StorageWarning } from '$lib/sync';
import { formatBytes } from './relative-time';

/** The engine's storage warnings as sentences (shown only while edits are unsynced). */
export function storageWords(w: StorageWarning): string {
	return w.kind === 'nearly-full'
		? `Storage nearly full (${formatBytes(w.usage)} of ${formatBytes(w.quota)}): unsynced edits may not be saved.`
		: 'This browser may clear unsynced edits when space runs low. Sync soon.';
}
