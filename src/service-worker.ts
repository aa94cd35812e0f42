/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { createAppClient } from './lib/supabase/client';
import { runBackground } from './lib/sync/background';
import { CATCHUP_TAG, PUSH_TAG, type BackgroundKind, type SyncMessage } from './lib/sync/background-messages';

/**
 * The app-shell worker: precaches the build (Workbox injects the list at build time) and answers
 * every navigation with the shell, so the installed app opens offline. `sync` (tag tripmate-push)
 * pushes every trip's outbox; `periodicsync` (tag tripmate-catchup) also pulls every trip that
 * moved, into IndexedDB; both tell open windows what they did (src/lib/sync/background*.ts).
 * A new version waits until a window says SKIP_WAITING (the update prompt's "Reload").
 */
declare const self: ServiceWorkerGlobalScope & {
	/** Replaced by the build with the precache list; undefined when the worker runs unbuilt in dev. */
	__WB_MANIFEST?: Array<PrecacheEntry | string>;
};
declare const __APP_VERSION__: string;
const sw = self;

/** Background Sync and Periodic Background Sync events (not in TypeScript's webworker lib yet). */
interface TaggedSyncEvent extends ExtendableEvent {
	readonly tag: string;
}

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

// No skipWaiting on install: an open tab would keep running the old build while its lazily loaded
// chunks vanish from the cache. The new worker waits; the window asks for it when the user agrees.
sw.addEventListener('message', (event) => {
	const data = event.data as { type?: string } | null;
	if (data?.type === 'SKIP_WAITING') void sw.skipWaiting();
	else if (data?.type === 'GET_VERSION') event.ports[0]?.postMessage({ version: __APP_VERSION__ });
});
sw.addEventListener('activate', (event) => {
	event.waitUntil(sw.clients.claim());
});

sw.addEventListener('sync', (event) => {
	const e = event as TaggedSyncEvent;
	if (e.tag === PUSH_TAG) e.waitUntil(background('push'));
});
sw.addEventListener('periodicsync', (event) => {
	const e = event as TaggedSyncEvent;
	if (e.tag === CATCHUP_TAG) e.waitUntil(background('catchup').catch(() => {}));
});

/** One client per worker lifetime; no refresh timer (it would keep the worker alive for nothing). */
let client: ReturnType<typeof createAppClient> | null = null;

async function background(kind: BackgroundKind): Promise<void> {
	client ??= createAppClient({ autoRefreshToken: false });
	await runBackground(kind, { client, post });
}

function post(message: SyncMessage): void {
	void sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((all) => {
		for (const c of all) c.postMessage(message);
	});
}

/** The precached shell; the network when there is none yet (first install still running, or dev). */
async function shellFor(request: Request): Promise<Response> {
	return (await matchPrecache(SHELL_URL)) ?? fetch(request);
}
