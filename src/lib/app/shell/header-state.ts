// Which sync state the header shows: the open trip's on a trip page (its pending edits are what
// the person is looking at), otherwise the whole engine's.
import type { OverallSyncState, StorageWarning, SyncStatus } from '$lib/sync';

export interface HeaderSyncState {
	status: SyncStatus;
	pending: number;
	lastSyncedAt: number | null;
	storage: StorageWarning[];
	/** Nothing is being synced at all (an idle engine then reads "Synced"). */
	nothingOpen: boolean;
}

export function headerSyncState(state: OverallSyncState, tripId: string | undefined): HeaderSyncState {
	const trip = tripId ? state.trips[tripId] : undefined;
	if (trip) {
		return {
			status: state.status.kind === 'offline' ? state.status : trip.status,
			pending: trip.pending,
			lastSyncedAt: trip.lastSyncedAt,
			storage: trip.storage,
			nothingOpen: false,
		};
	}
	return {
		status: state.status,
		pending: state.pending,
		lastSyncedAt: state.lastSyncedAt,
		storage: state.storage,
		nothingOpen: Object.keys(state.trips).length === 0,
	};
}
