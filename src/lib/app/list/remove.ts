// Deleting a trip (its owner) or leaving it (anyone else), then taking it off this device's list:
// the engine stops syncing it, and its metadata is marked so the list no longer shows it (the
// document and any unsynced edits stay on the device, exportable, as for a removed member).
import type { SupabaseClient } from '@supabase/supabase-js';
import type { TripSync } from '$lib/sync';
import { describeAuthError } from '$lib/supabase';
import type { SummaryStore } from './summary-store';

export type RemoveKind = 'delete' | 'leave';

/** Returns null when done, else a sentence saying why not. */
export async function removeTrip(
	client: SupabaseClient,
	sync: TripSync,
	summaries: SummaryStore | null,
	tripId: string,
	kind: RemoveKind,
): Promise<string | null> {
	const meta = await sync.store.trip(tripId);
	// A trip made here that never reached the server has nothing to delete there.
	if (!(kind === 'delete' && meta.createdHere && !meta.serverCreated)) {
		const { error } = await client.rpc(kind === 'delete' ? 'delete_trip' : 'leave_trip', { p_trip_id: tripId });
		if (error) return refusal(error);
	}
	await sync.close(tripId).catch(() => {});
	await sync.store.updateTrip(tripId, { revoked: 'removed' });
	await summaries?.delete(tripId).catch(() => {});
	return null;
}

function refusal(error: { message: string; code?: string }): string {
	if (/owner must/i.test(error.message) || error.code === 'P0001')
		return 'You own this trip: hand it over to someone else or delete it instead.';
	if (error.code === '42501') return 'Only the owner can delete this trip.';
	return describeAuthError(error);
}
