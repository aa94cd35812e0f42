// One background run in the service worker: find the signed-in user from the stored session
// (supabase-js refreshes it under the Web Lock the tabs use), open that user's SyncStore, push
// every outbox ('push') or push and then catch every trip up ('catchup'), tell the windows as it
// goes, and keep a record of the run for the settings page. Imports sync and supabase only.
import type { SupabaseClient } from '@supabase/supabase-js';
import { recordBackgroundRun } from './background-log';
import type { BackgroundKind, BackgroundTripReport, SyncMessage } from './background-messages';
import { catchUpAll, type ChunkSink } from './background-pull';
import { pushAllOutboxes } from './background-push';
import { supabaseTripServer, type TripServer } from './server';
import { openIndexedDbSyncStore } from './store';

export interface BackgroundRunOptions {
	client: SupabaseClient;
	post(message: SyncMessage): void;
	/** Stand-ins for tests and benchmarks. */
	server?: TripServer;
	scope?: string;
	indexedDB?: IDBFactory;
	chunks?: ChunkSink;
}

export interface BackgroundResult {
	userId: string | null;
	trips: BackgroundTripReport[];
	durationMs: number;
}

/**
 * Runs one background sync. Throws when the run as a whole failed (no network, no server): a
 * `sync` handler that rejects is retried by the browser later, which is what we want.
 */
export async function runBackground(kind: BackgroundKind, o: BackgroundRunOptions): Promise<BackgroundResult> {
	const startedAt = Date.now();
	o.post({ type: 'SYNC_START', kind, at: startedAt });
	const trips: BackgroundTripReport[] = [];
	let userId: string | null = null;
	try {
		const server = o.server ?? supabaseTripServer(o.client);
		// getSession reads the stored session and refreshes it (under the shared lock) if it is stale.
		userId = await server.currentUser();
		if (userId) {
			const store = await openIndexedDbSyncStore(userId, { scope: o.scope, indexedDB: o.indexedDB });
			try {
				const ctx = {
					userId,
					server,
					store,
					scope: o.scope,
					chunks: o.chunks,
					onTrip: (trip: BackgroundTripReport) => o.post({ type: 'SYNC_PROGRESS', kind, trip }),
				};
				trips.push(...(await pushAllOutboxes(ctx)));
				if (kind === 'catchup') trips.push(...(await catchUpAll(ctx)));
			} finally {
				store.close();
			}
		}
		const durationMs = Date.now() - startedAt;
		const pushedTrips = trips.filter((t) => t.pushed > 0).map((t) => t.tripId);
		if (pushedTrips.length > 0) o.post({ type: 'OUTBOX_CHANGED', tripIds: pushedTrips });
		o.post({ type: 'SYNC_COMPLETE', kind, at: Date.now(), durationMs, trips });
		const failed = trips.filter((t) => t.error);
		await record(
			kind,
			startedAt,
			trips,
			failed.length ? failed.map((t) => `${t.tripId}: ${t.error}`).join('; ') : null,
			o,
		);
		// A push that failed for some trip (network gone again) should be retried by the browser.
		if (kind === 'push' && failed.length > 0) throw new Error(`background push failed for ${failed.length} trip(s)`);
		return { userId, trips, durationMs };
	} catch (e) {
		const message = e instanceof Error ? e.message : String(e);
		if (!trips.some((t) => t.error)) {
			o.post({ type: 'SYNC_ERROR', kind, at: Date.now(), message });
			await record(kind, startedAt, trips, message, o).catch(() => {});
		}
		throw e;
	}
}

async function record(
	kind: BackgroundKind,
	startedAt: number,
	trips: BackgroundTripReport[],
	error: string | null,
	o: BackgroundRunOptions,
): Promise<void> {
	await recordBackgroundRun(
		{
			kind,
			at: startedAt,
			durationMs: Date.now() - startedAt,
			trips: trips.length,
			pushed: trips.reduce((n, t) => n + t.pushed, 0),
			pulled: trips.reduce((n, t) => n + t.pulled, 0),
			error,
		},
		o.indexedDB,
	);
}
