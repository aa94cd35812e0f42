/**
 * The sw suite's handler figures measured where they run: the built app's service worker in
 * Chromium, driven through CDP (ServiceWorker.dispatchPeriodicSyncEvent / dispatchSyncEvent),
 * against the embedded stack.
 */
import * as A from '@automerge/automerge';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { supabaseTripServer } from '../src/lib/sync/index.ts';
import type { ApiHandle } from '../supabase/local/stack.ts';
import { launchProfile } from '../tests/e2e/browser.ts';
import { serveStatic } from '../tests/e2e/static-server.ts';
import { benchClient } from './lib.ts';
import { addMember, person } from './sync/ours.ts';
import { accessToken } from '../tests/e2e/page-session.ts';

export interface BrowserFigures {
	catchupMs: number;
	pushMs: number;
}

interface Run {
	kind: string;
	at: number;
	durationMs: number;
	pushed: number;
	pulled: number;
	error: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await sleep(10);
	}
}

const lastRun = (page: Page) =>
	page.evaluate(async () => {
		const idb = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('tripmate-background', 1);
			request.onupgradeneeded = () => request.result.createObjectStore('kv');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const run = await new Promise<unknown>((resolve, reject) => {
			const read = idb.transaction('kv').objectStore('kv').get('last-run');
			read.onsuccess = () => resolve(read.result ?? null);
			read.onerror = () => reject(read.error);
		});
		idb.close();
		return run as Run | null;
	});

async function driver(context: BrowserContext, appUrl: string): Promise<{ page: Page; cdp: CDPSession; id: string }> {
	const page = await context.newPage();
	await page.goto(`${appUrl}/icon.svg`);
	const cdp = await context.newCDPSession(page);
	const id = new Promise<string>((resolve) => {
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const r = registrations.find((x) => x.scopeURL.startsWith(appUrl) && !x.isDeleted);
			if (r) resolve(r.registrationId);
		});
	});
	await cdp.send('ServiceWorker.enable');
	return { page, cdp, id: await id };
}

function changeSets(n: number, actor?: string): Uint8Array[] {
	let doc = A.init<{ items: Record<string, { name: string }> }>(actor ? { actor } : undefined);
	doc = A.change(doc, (d) => void (d.items = {}));
	for (let i = 1; i < n; i++) doc = A.change(doc, (d) => void (d.items[`i${i}`] = { name: `Item ${i}` }));
	return A.getAllChanges(doc);
}

/** Both handler figures in Chromium, with `buildDir` (built against `api`) served statically. */
export async function browserFigures(
	api: ApiHandle,
	buildDir: string,
	profileDir: string,
	o: { trips: number; changes: number; pending: number },
): Promise<BrowserFigures> {
	const site = await serveStatic(buildDir);
	const context = await launchProfile(join(profileDir, 'chromium'));
	try {
		const app = context.pages()[0] ?? (await context.newPage());
		await app.goto(site.url);
		const userId = ((await app.getByTestId('user-id').textContent({ timeout: 30_000 })) ?? '').trim();
		await app.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
		const token = await accessToken(app);
		// The app closed: only the worker acts from here on.
		await app.goto(`${site.url}/icon.svg`);
		const d = await driver(context, site.url);

		// Catch-up: another user wrote `changes` change sets to each of `trips` trips.
		const author = await person(api);
		const authorServer = supabaseTripServer(author.client);
		for (let t = 0; t < o.trips; t++) {
			const tripId = randomUUID();
			await authorServer.createTrip(tripId, `Trip ${t}`);
			const changes = changeSets(o.changes);
			for (let i = 0; i < changes.length; i += 100) await authorServer.push(tripId, changes.slice(i, i + 100));
			await addMember(api, tripId, userId);
		}
		const before = (await lastRun(d.page))?.at ?? 0;
		await d.cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', {
			origin: site.url,
			registrationId: d.id,
			tag: 'tripmate-catchup',
		});
		const catchup = await until('the catch-up run', async () => {
			const r = await lastRun(d.page);
			return r && r.at > before && r.kind === 'catchup' ? r : null;
		});
		if (catchup.error || catchup.pulled !== o.trips * o.changes)
			throw new Error(`browser catch-up pulled ${catchup.pulled}: ${catchup.error}`);

		// Push: `pending` change sets waiting in the outbox of a trip the app's user owns.
		const own = benchClient(api.url, api.config.anonKey, token);
		const tripId = randomUUID();
		await supabaseTripServer(own).createTrip(tripId, 'Pending');
		const actor = A.getActorId(A.init());
		const entries = changeSets(o.pending, actor).map((bytes) => {
			const c = A.decodeChange(bytes);
			return { tripId, hash: c.hash!, actor: c.actor, seq: c.seq, deps: c.deps, bytes: [...bytes] };
		});
		await d.page.evaluate(
			async ({ userId, tripId, actor, entries }) => {
				const idb = await new Promise<IDBDatabase>((resolve, reject) => {
					const request = indexedDB.open(`tripmate-sync:${userId}`);
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				});
				const tx = idb.transaction(['trips', 'actors', 'outbox'], 'readwrite');
				tx.objectStore('trips').put({ tripId, cursor: 0, acked: {}, serverCreated: true, serverName: 'Pending' });
				tx.objectStore('actors').put({ actor, at: Date.now() });
				for (const e of entries) tx.objectStore('outbox').put({ ...e, bytes: new Uint8Array(e.bytes) });
				await new Promise((resolve, reject) => {
					tx.oncomplete = resolve;
					tx.onerror = () => reject(tx.error);
				});
				idb.close();
			},
			{ userId, tripId, actor, entries },
		);
		const t0 = performance.now();
		await d.cdp.send('ServiceWorker.dispatchSyncEvent', {
			origin: site.url,
			registrationId: d.id,
			tag: 'tripmate-push',
			lastChance: false,
		});
		await until('the pushed change sets in the log', async () => {
			const rows = await api.pool.query('select count(*) from public.trip_changes where trip_id = $1', [tripId]);
			return Number(rows.rows[0].count) === o.pending;
		});
		const pushMs = performance.now() - t0;
		return { catchupMs: catchup.durationMs, pushMs };
	} finally {
		await context.close();
		await site.close();
	}
}
