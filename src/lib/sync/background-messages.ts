// What the service worker tells the app's windows about the syncs it runs in the background, and
// the tags it is woken with. Shared by src/service-worker.ts and the windows (src/lib/pwa), so
// both sides agree on one typed union.

/** Background Sync tag: push every trip's outbox (registered when a push failed or offline). */
export const PUSH_TAG = 'tripmate-push';
/** Periodic Background Sync tag: catch every trip up (registered from the settings toggle). */
export const CATCHUP_TAG = 'tripmate-catchup';

export type BackgroundKind = 'push' | 'catchup';

/** One trip's outcome in a background run. */
export interface BackgroundTripReport {
	tripId: string;
	pushed: number;
	pulled: number;
	/** Keys of the document chunks the worker stored (open windows merge exactly these). */
	chunks: string[][];
	error: string | null;
}

export type SyncMessage =
	| { type: 'SYNC_START'; kind: BackgroundKind; at: number }
	| { type: 'SYNC_PROGRESS'; kind: BackgroundKind; trip: BackgroundTripReport }
	| { type: 'SYNC_COMPLETE'; kind: BackgroundKind; at: number; durationMs: number; trips: BackgroundTripReport[] }
	| { type: 'SYNC_ERROR'; kind: BackgroundKind; at: number; message: string }
	/** The outbox of these trips shrank (acknowledged by the server) without the window's help. */
	| { type: 'OUTBOX_CHANGED'; tripIds: string[] };

const TYPES = new Set(['SYNC_START', 'SYNC_PROGRESS', 'SYNC_COMPLETE', 'SYNC_ERROR', 'OUTBOX_CHANGED']);

/** Narrows a `message` event's data (anything may be posted to a window). */
export function isSyncMessage(data: unknown): data is SyncMessage {
	return typeof data === 'object' && data !== null && TYPES.has((data as { type?: unknown }).type as string);
}
