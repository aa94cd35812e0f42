/**
 * The sync engine's one entry point, used by the UI, the service worker, the tests and the
 * benchmarks; it runs unchanged in a browser and in Node (fake-indexeddb, Node's BroadcastChannel,
 * `ws` as supabase-js's Realtime transport).
 *
 *   const sync = await TripSync.start({ supabase, userId });
 *   const tripId = await sync.createTrip({ init: createTripRecipe({ name: 'Lisbon' }) });
 *   await sync.change(tripId, (d) => { ... });        // pushed at once when no push is in flight
 *   sync.state.subscribe((s) => ...);                   // offline | idle | syncing | synced | error
 *
 * Layout (ARCHITECTURE §5): `TripServer` (server.ts) is the trip log over supabase-js RPC and
 * Realtime; `SyncStore` (store.ts) the per-trip outbox, cursor, quarantine, own actors and
 * snapshot digests in IndexedDB; `TripSync` (trip-sync.ts) composes them with an automerge-repo
 * Repo; `runCycle` (cycle.ts) is one push-pull cycle; plan.ts, errors.ts and apply.ts are pure;
 * adopt.ts moves a guest's local trips to the account they signed in to (TripSync.adoptUser).
 */
export { TripSync, type TripPresence, type TripSyncOptions } from './trip-sync';
export { presencePayload, presentPeople, type Editing, type PresentPerson } from './presence';
export { adoptTrips, docsDatabaseName, type AdoptTarget } from './adopt';
export {
	supabaseTripServer,
	type Hint,
	type HintSubscription,
	type PresenceState,
	type PresenceSubscription,
	type PulledRow,
	type PushedRow,
	type ServerSnapshot,
	type TripRole,
	type TripServer,
	type TripServerOptions,
	type TripStatusRow,
} from './server';
export {
	defaultTripMeta,
	openIndexedDbSyncStore,
	syncDatabaseName,
	type ChangeAuthor,
	type OutboxEntry,
	type PullRecord,
	type QuarantineEntry,
	type ScanMarker,
	type SnapshotDigest,
	type SyncStore,
	type TripMeta,
} from './store';
export { runCycle, type CycleContext, type CycleReport, type ServerInfo } from './cycle';
export { handleDoc, pushableSince, type LocalDoc } from './local-doc';
export {
	HISTORY_LIMIT,
	overallOf,
	type OverallSyncState,
	type StorageWarning,
	type SyncProblem,
	type SyncRun,
	type SyncStatus,
	type TripSyncState,
} from './state';
export { classifyError, isServerCallError, ServerCallError, type CallFailure, type ErrorClass } from './errors';
export {
	backoffDelay,
	causalOrder,
	chooseCatchUp,
	planPushBatches,
	sameHeads,
	shouldUploadSnapshot,
	MAX_CHANGE_BYTES,
	MAX_PUSH_BYTES,
	MAX_PUSH_CHANGES,
	SNAPSHOT_EVERY_BYTES,
	SNAPSHOT_EVERY_CHANGES,
} from './plan';
export { applyWithBisection } from './apply';
export { changeHash, fromBase64, toBase64 } from './bytes';
export { RetryState, DEFAULT_RETRY, type RetryOptions } from './retry';
export { withLock, tripLockName } from './lock';
export { warningsOf, type StorageLike } from './storage-watch';
