import { dev } from '$app/environment';
import { base } from '$app/paths';

/**
 * Registers the app's service worker as a module worker. Workbox's and SvelteKit's own registration
 * use a classic worker, where Automerge's wasm loader (`import.meta.url`) fails to evaluate.
 * Only production builds register: in dev the worker would be served unbuilt and cache stale code.
 *
 * @returns the registration, or undefined in dev, where service workers are unsupported, or on failure
 */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
	return (registration ??= register());
}

/** The one registration of this page (update prompt, background sync and settings share it). */
let registration: Promise<ServiceWorkerRegistration | undefined> | null = null;

async function register(): Promise<ServiceWorkerRegistration | undefined> {
	if (dev || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return undefined;
	try {
		return await navigator.serviceWorker.register(`${base}/service-worker.js`, {
			type: 'module',
			scope: `${base}/`,
		});
	} catch (err) {
		// The app works without the worker (no offline start); say why rather than fail the page.
		console.error('Tripmate: service worker registration failed', err);
		return undefined;
	}
}
