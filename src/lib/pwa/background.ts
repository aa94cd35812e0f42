// The window's side of background sync: picks the best mechanism the browser has (periodic sync →
// background sync → visibility/focus/online plus the interval → manual), registers the push tag
// when edits wait with no way to the server, and feeds the worker's messages into the engine.
import type { TripSync } from '$lib/sync';
import { catchupSetting, saveCatchupSetting, type CatchupSetting } from '$lib/sync/background-log';
import { CATCHUP_TAG, isSyncMessage, PUSH_TAG, type SyncMessage } from '$lib/sync/background-messages';

export type SyncMechanism = 'periodic' | 'background' | 'events' | 'manual';

interface SyncManagerLike {
	register(tag: string, options?: { minInterval?: number }): Promise<void>;
	unregister?(tag: string): Promise<void>;
	getTags?(): Promise<string[]>;
}
type Registration = ServiceWorkerRegistration & { sync?: SyncManagerLike; periodicSync?: SyncManagerLike };

/** What this browser offers, by feature detection (a test may delete the APIs from the page). */
export function detectSupport(reg: ServiceWorkerRegistration | undefined): { periodic: boolean; background: boolean } {
	const r = reg as Registration | undefined;
	const g = globalThis as { PeriodicSyncManager?: unknown; SyncManager?: unknown };
	return {
		periodic: !!r?.periodicSync && typeof g.PeriodicSyncManager !== 'undefined',
		background: !!r?.sync && typeof g.SyncManager !== 'undefined',
	};
}

/** The mechanism in use: the first of the fallback chain that is both supported and switched on. */
export function activeMechanism(
	support: { periodic: boolean; background: boolean },
	catchup: CatchupSetting,
	windowEvents: boolean,
): SyncMechanism {
	if (support.periodic && catchup.enabled) return 'periodic';
	if (support.background) return 'background';
	return windowEvents ? 'events' : 'manual';
}

/** Asks for the periodic-sync permission and (un)registers the catch-up; returns what was saved. */
export async function setCatchup(
	reg: ServiceWorkerRegistration | undefined,
	setting: CatchupSetting,
): Promise<{ setting: CatchupSetting; problem: string | null }> {
	const periodic = (reg as Registration | undefined)?.periodicSync;
	if (!setting.enabled) {
		await periodic?.unregister?.(CATCHUP_TAG).catch(() => {});
		await saveCatchupSetting(setting);
		return { setting, problem: null };
	}
	if (!periodic || !detectSupport(reg).periodic)
		return { setting: { ...setting, enabled: false }, problem: 'not supported by this browser' };
	const state = await navigator.permissions
		.query({ name: 'periodic-background-sync' as PermissionName })
		.then((p) => p.state)
		.catch(() => 'denied' as const);
	if (state !== 'granted') {
		// Chromium grants it to installed apps with enough engagement; there is no prompt to show.
		await saveCatchupSetting({ ...setting, enabled: false });
		return { setting: { ...setting, enabled: false }, problem: 'permission not granted (install the app first)' };
	}
	await periodic.register(CATCHUP_TAG, { minInterval: setting.minIntervalMs });
	await saveCatchupSetting(setting);
	return { setting, problem: null };
}

/**
 * Connects an engine to the worker for as long as the page lives: worker messages reach the
 * engine (pulled chunks merged into open trips, a sync when the outbox moved), and a waiting
 * outbox with no way out registers the push tag. Returns the disconnect function.
 */
export function connectBackground(
	sync: TripSync,
	reg: ServiceWorkerRegistration | undefined,
	onMessage?: (m: SyncMessage) => void,
): () => void {
	const container = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined;
	const listener = (event: MessageEvent) => {
		if (!isSyncMessage(event.data)) return;
		const m = event.data;
		onMessage?.(m);
		if (m.type === 'SYNC_PROGRESS' && m.trip.chunks.length > 0) void sync.mergeStored(m.trip.tripId, m.trip.chunks);
		// The worker changed the store behind the engine's back: a cycle refreshes counts and state.
		if (m.type === 'OUTBOX_CHANGED' || m.type === 'SYNC_COMPLETE') sync.notify('service-worker');
	};
	container?.addEventListener('message', listener);
	let registered = false;
	const manager = (reg as Registration | undefined)?.sync;
	const unsubscribe = sync.state.subscribe((s) => {
		const stuck = s.pending > 0 && (s.status.kind === 'offline' || s.status.kind === 'error');
		if (!stuck) registered = false;
		if (!stuck || registered || !manager || !detectSupport(reg).background) return;
		registered = true;
		void manager.register(PUSH_TAG).catch(() => (registered = false));
	});
	return () => {
		container?.removeEventListener('message', listener);
		unsubscribe();
	};
}

export { catchupSetting };
