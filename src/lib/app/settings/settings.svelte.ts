// The settings screen's state: which background mechanism syncs this device, the catch-up
// toggle with its interval, and the worker's last run (read from its IndexedDB record).
import { activeMechanism, detectSupport, setCatchup, type SyncMechanism } from '$lib/pwa/background';
import { registerServiceWorker } from '$lib/pwa/register';
import {
	catchupSetting,
	DEFAULT_CATCHUP_INTERVAL_MS,
	lastBackgroundRun,
	type BackgroundRun,
	type CatchupSetting,
} from '$lib/sync/background-log';
import { isSyncMessage } from '$lib/sync/background-messages';

export const MECHANISM_LABELS: Record<SyncMechanism, string> = {
	periodic: 'Periodic background sync',
	background: 'Background sync',
	events: 'While open (on focus, when back online, and every 30 seconds)',
	manual: 'Manual ("Sync now")',
};

export const INTERVAL_CHOICES = [
	{ hours: 1, label: 'Every hour' },
	{ hours: 6, label: 'Every 6 hours' },
	{ hours: 12, label: 'Every 12 hours' },
	{ hours: 24, label: 'Every day' },
];

export class SettingsState {
	loaded = $state(false);
	support = $state.raw({ periodic: false, background: false });
	catchup: CatchupSetting = $state.raw({ enabled: false, minIntervalMs: DEFAULT_CATCHUP_INTERVAL_MS });
	lastRun: BackgroundRun | null = $state.raw(null);
	problem: string | null = $state(null);
	busy = $state(false);
	#reg: ServiceWorkerRegistration | undefined;

	get mechanism(): SyncMechanism {
		return activeMechanism(this.support, this.catchup, typeof window !== 'undefined');
	}

	/** Loads everything and follows the worker's runs; returns the stop function. */
	start(): () => void {
		const onMessage = (event: MessageEvent) => {
			if (isSyncMessage(event.data) && (event.data.type === 'SYNC_COMPLETE' || event.data.type === 'SYNC_ERROR'))
				void this.#loadRun();
		};
		navigator.serviceWorker?.addEventListener('message', onMessage);
		void (async () => {
			this.#reg = await registerServiceWorker();
			this.support = detectSupport(this.#reg);
			this.catchup = await catchupSetting();
			await this.#loadRun();
			this.loaded = true;
		})();
		return () => navigator.serviceWorker?.removeEventListener('message', onMessage);
	}

	async setEnabled(enabled: boolean): Promise<void> {
		await this.#save({ ...this.catchup, enabled });
	}

	async setIntervalHours(hours: number): Promise<void> {
		await this.#save({ ...this.catchup, minIntervalMs: hours * 3_600_000 });
	}

	async #save(next: CatchupSetting): Promise<void> {
		this.busy = true;
		try {
			const { setting, problem } = await setCatchup(this.#reg, next);
			this.catchup = setting;
			this.problem = problem;
		} catch (e) {
			this.problem = e instanceof Error ? e.message : String(e);
		} finally {
			this.busy = false;
		}
	}

	async #loadRun(): Promise<void> {
		this.lastRun = (await lastBackgroundRun().catch(() => undefined)) ?? null;
	}
}
