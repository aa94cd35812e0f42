// What the trips list shows of one trip, small enough to keep for every trip and read in one
// IndexedDB transaction: a whole validated readTrip costs milliseconds per trip, so the list never
// runs it on render, only once per document change (summary-watch.ts) or for a stale summary.
import { packingProgress, readTrip } from '$lib/trip';

export interface TripSummary {
	tripId: string;
	name: string;
	destination: string;
	startDate: string | null;
	endDate: string | null;
	/** People's names in the trip's display order (the list shows a few). */
	people: string[];
	packed: number;
	total: number;
	/** The SyncStore cursor the summary was made at: a different cursor means pulled changes since. */
	cursor: number;
	/** The server's role for this user, when last known (offline lists still show it). */
	role: 'owner' | 'editor' | 'viewer' | null;
	updatedAt: number;
}

/** The summary of a trip document; null while it holds only the genesis (waiting for a first pull). */
export function summarize(tripId: string, doc: unknown, cursor: number, role: TripSummary['role']): TripSummary | null {
	const view = readTrip(doc);
	if (!view.tripId) return null;
	const progress = packingProgress(view).overall;
	return {
		tripId,
		name: view.name,
		destination: view.destination,
		startDate: view.startDate,
		endDate: view.endDate,
		people: view.people.map((p) => p.name),
		packed: progress.packed,
		total: progress.total,
		cursor,
		role,
		updatedAt: Date.now(),
	};
}
