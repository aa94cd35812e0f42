// A trip's recent changes for the History panel and Undo: who (the server-recorded author of each
// hash; our own actors are us), when (the writer's clock: advisory), what (the op named in the
// change message), and reverting them with a new change (revertChanges in $lib/trip).
import * as A from '@automerge/automerge';
import type { TripSync } from '$lib/sync';
import { parseChangeMessage, revertChanges, type TripDoc } from '$lib/trip';

export interface HistoryEntry {
	hash: string;
	/** User id, or null when the server's record has not reached this device. */
	author: string | null;
	/** Milliseconds since the epoch, as the writer's device claimed. */
	time: number;
	action: string;
}

/** The latest `limit` changes, newest first. */
export async function recentChanges(sync: TripSync, tripId: string, limit = 50): Promise<HistoryEntry[]> {
	const doc = (await sync.open<TripDoc>(tripId)).doc();
	const authors = await sync.authors(tripId);
	const own = await sync.store.actors();
	const metas = A.getChangesMetaSince(doc, []);
	return metas
		.slice(-limit)
		.reverse()
		.map((m) => ({
			hash: m.hash,
			author: authors.get(m.hash) ?? (own.has(m.actor) ? sync.userId : null),
			time: m.time * 1000,
			action: parseChangeMessage(m.message ?? '')?.action ?? 'edit',
		}));
}

/** Reverts `hashes` with one new change; false when there was nothing left to revert. */
export async function revert(sync: TripSync, tripId: string, hashes: string[]): Promise<boolean> {
	const doc = (await sync.open<TripDoc>(tripId)).doc();
	const fn = revertChanges(doc, hashes);
	if (!fn) return false;
	await sync.change<TripDoc>(tripId, fn);
	return true;
}

/** Every change by `author` at or after `since` (ms), oldest first. */
export function changesOf(entries: HistoryEntry[], author: string, since: number): string[] {
	return entries
		.filter((e) => e.author === author && e.time >= since)
		.reverse()
		.map((e) => e.hash);
}
