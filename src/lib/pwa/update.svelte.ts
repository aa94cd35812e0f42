// "Update available — reload": a new build's worker installs and waits; the prompt shows; only
// the user's "Reload" lets it take over (SKIP_WAITING), and the page reloads when it controls the
// page — never while the user has unsaved typing, which waits until the fields are saved or cleared.
import { hasUnsavedTyping, trackTyping } from './unsaved';

export class UpdateWatcher {
	/** A new version is installed and waiting. */
	available = $state(false);
	/** The reload waits for typing to be saved or cleared. */
	waitingForTyping = $state(false);
	#reg: ServiceWorkerRegistration | undefined;
	#reloading = false;
	#requested = false;
	#cleanups: (() => void)[] = [];
	#typingTimer: ReturnType<typeof setInterval> | null = null;

	constructor(reg: ServiceWorkerRegistration | undefined) {
		this.#reg = reg;
		trackTyping();
		if (!reg || !navigator.serviceWorker) return;
		// A waiting worker with a controller means an update; without one it is the first install.
		const check = () => {
			if (reg.waiting && navigator.serviceWorker.controller) this.available = true;
		};
		const onFound = () => {
			const installing = reg.installing;
			installing?.addEventListener('statechange', () => {
				if (installing.state === 'installed') check();
			});
		};
		reg.addEventListener('updatefound', onFound);
		this.#cleanups.push(() => reg.removeEventListener('updatefound', onFound));
		check();
		// Whoever said "Reload" (this tab or another), the new worker now controls this page.
		// The first install's clients.claim() changes the controller too: no reload for that one.
		const hadController = navigator.serviceWorker.controller !== null;
		const onControl = () => {
			if (hadController || this.#requested) this.#reloadWhenSafe();
		};
		navigator.serviceWorker.addEventListener('controllerchange', onControl);
		this.#cleanups.push(() => navigator.serviceWorker.removeEventListener('controllerchange', onControl));
	}

	/** The user's word: let the waiting worker take over, then reload (unless typing is unsaved). */
	reload(): void {
		if (hasUnsavedTyping()) {
			this.waitingForTyping = true;
			this.#watchTyping(() => this.reload());
			return;
		}
		this.#requested = true;
		const waiting = this.#reg?.waiting;
		if (waiting) waiting.postMessage({ type: 'SKIP_WAITING' });
		else this.#reloadWhenSafe();
	}

	#reloadWhenSafe(): void {
		if (this.#reloading) return;
		if (hasUnsavedTyping()) {
			this.waitingForTyping = true;
			this.#watchTyping(() => this.#reloadWhenSafe());
			return;
		}
		this.#reloading = true;
		location.reload();
	}

	#watchTyping(then: () => void): void {
		if (this.#typingTimer) return;
		// Polled rather than evented: a submit handler clears its field without an input event.
		this.#typingTimer = setInterval(() => {
			if (hasUnsavedTyping()) return;
			clearInterval(this.#typingTimer!);
			this.#typingTimer = null;
			this.waitingForTyping = false;
			then();
		}, 300);
		this.#cleanups.push(() => {
			if (this.#typingTimer) clearInterval(this.#typingTimer);
			this.#typingTimer = null;
		});
	}

	destroy(): void {
		for (const c of this.#cleanups.splice(0)) c();
	}
}
