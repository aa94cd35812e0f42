/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';

/**
 * The app-shell worker: precaches the build (Workbox injects the list at build time) and answers
 * every navigation with the shell, so the installed app opens offline. Background sync and
 * periodic sync arrive with the sync engine.
 */
declare const self: ServiceWorkerGlobalScope & {
	/** Replaced by the build with the precache list; undefined when the worker runs unbuilt in dev. */
	__WB_MANIFEST?: Array<PrecacheEntry | string>;
};
const sw = self;

/** The SPA shell's key in the precache (the prerendered `index.html` is listed as `/`). */
const SHELL_URL = '/';

/** A last path segment with a dot (`/icon-192.png`, `/manifest.webmanifest`) is a file, not a route. */
const FILE_PATH = /\/[^/?]+\.[^/]+$/;

// Registered before Workbox's listener: navigations to any route get the shell, and
// stopImmediatePropagation keeps Workbox's router from answering the same event a second time.
sw.addEventListener('fetch', (event) => {
	const { request } = event;
	if (request.mode !== 'navigate' || FILE_PATH.test(new URL(request.url).pathname)) return;
	event.stopImmediatePropagation();
	event.respondWith(shellFor(request));
});

// Workbox's build step replaces exactly `self.__WB_MANIFEST`.
precacheAndRoute(self.__WB_MANIFEST ?? []);
cleanupOutdatedCaches();

// A new build takes over at once: the shell and its assets are versioned together in the precache.
sw.addEventListener('install', () => {
	void sw.skipWaiting();
});
sw.addEventListener('activate', (event) => {
	event.waitUntil(sw.clients.claim());
});

/** The precached shell; the network when there is none yet (first install still running, or dev). */
async function shellFor(request: Request): Promise<Response> {
	return (await matchPrecache(SHELL_URL)) ?? fetch(request);
}
