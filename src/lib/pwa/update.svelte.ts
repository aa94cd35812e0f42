// "Update available — reload": a new build's worker installs and waits; the prompt shows; only
// the user's "Reload" lets it take over (SKIP_WAITING), and the page reloads when it controls the
// page — never while the user has unsaved typing, which waits until the fields are saved or cleared.
import { hasUnsavedTyping } from './unsaved';

export class UpdateWatcher {
	/** A new version is installed and waiting. */
	available = $state(false);
	/** The reload waits for typing to be saved or cleared. */
	waitingForTyping = $state(false);
	#reg: ServiceWorkerRegistration | undefined;
	#reloading = false;
	#cleanups: (() => void)[] = [];

	constructor(reg: ServiceWorkerRegistration | undefined) {
		this.#reg = reg;
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
		const onControl = () => this.#reloadWhenSafe();
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
		const check = () => {
			if (hasUnsavedTyping()) return;
			document.removeEventListener('input', check, true);
			document.removeEventListener('submit', later, true);
			this.waitingForTyping = false;
			then();
		};
		// A submit clears its fields after the handler runs: look once the page has settled.
		const later = () => setTimeout(check, 0);
		document.addEventListener('input', check, true);
		document.addEventListener('submit', later, true);
		this.#cleanups.push(() => {
			document.removeEventListener('input', check, true);
			document.removeEventListener('submit', later, true);
		});
	}

	destroy(): void {
		for (const c of this.#cleanups.splice(0)) c();
	}
}
