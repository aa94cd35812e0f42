// The installed app in the background (issue 13), driven through the service worker with CDP.
// "Offline" is the server gone, not Playwright's offline emulation: Chromium drops CDP sync
// events while that is on (docs/frontend-probe pitfall 7). This file builds the app against a
// relay in front of the shared stack's API, and serves it through a second relay, so it can cut
// either without touching the stack other e2e files use.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../setup/e2e.ts';
import { launchBrowser, launchProfile } from './browser.ts';
import { Relay } from './relay.ts';
import { serveStatic } from './static-server.ts';
import { accessToken } from './page-session.ts';

const anonKey = inject('e2eAnonKey');
const browser = await launchBrowser();
const db = new pg.Pool({ connectionString: inject('e2eDbUrl'), max: 2 });

const work = await mkdtemp(join(tmpdir(), 'tripmate-sw-'));
const api = await Relay.start(inject('e2eApiUrl'));
let site: Relay;
let appUrl = '';
const servers: { close(): Promise<void> }[] = [];
/** The second build (a new version at the same origin), made while the other tests run. */
let secondBuild: Promise<string>;

async function build(name: string, version: string): Promise<string> {
	const dir = join(work, name);
	await buildApp(dir, api.url, anonKey, { TRIPMATE_VERSION: version });
	const served = await serveStatic(join(dir, 'build'));
	servers.push(served);
	return served.url;
}

beforeAll(async () => {
	site = await Relay.start(await build('v1', 'sw-test-1'));
	appUrl = site.url;
	secondBuild = build('v2', 'sw-test-2');
	secondBuild.catch(() => {});
}, 240_000);

afterAll(async () => {
	await secondBuild?.catch(() => {});
	await Promise.all(servers.map((s) => s.close()));
	await api.cut();
	await site?.cut();
	await db.end();
	for (const name of ['v1', 'v2'])
		await rm(`.svelte-kit-${basename(join(work, name))}`, { recursive: true, force: true });
	await rm(work, { recursive: true, force: true });
});

const pageErrors: string[] = [];
afterEach(async () => {
	// Whatever a test cut comes back for the next one.
	await api.restore();
	await site.restore();
	expect(pageErrors.splice(0)).toEqual([]);
});

interface Device {
	context: BrowserContext;
	page: Page;
	userId: string;
}

async function watch(page: Page): Promise<Page> {
	page.on('pageerror', (err) => pageErrors.push(err.message));
	return page;
}

/** A new device: a fresh context, signed in as a new guest, with the worker controlling the page. */
async function newDevice(init?: () => void): Promise<Device> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	if (init) await context.addInitScript(init);
	const page = await watch(await context.newPage());
	await page.goto(appUrl);
	const id = page.getByTestId('user-id');
	await id.waitFor({ timeout: 20_000 });
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
	return { context, page, userId: ((await id.textContent()) ?? '').trim() };
}

const statusText = async (page: Page) =>
	((await page.getByRole('status', { name: 'Sync status' }).textContent()) ?? '').trim();
const expectSynced = (page: Page) => expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Synced$/);
const item = (page: Page, name: string) => page.getByRole('checkbox', { name });

async function addItem(page: Page, name: string): Promise<void> {
	const box = page.getByRole('textbox', { name: 'Add item' });
	await box.fill(name);
	await box.press('Enter');
	await item(page, name).waitFor({ timeout: 10_000 });
}

async function createTrip(page: Page, name: string): Promise<string> {
	await page.goto(appUrl);
	await page.getByRole('button', { name: 'New trip' }).click();
	await page.getByRole('textbox', { name: 'Trip name' }).fill(name);
	await page.getByRole('button', { name: 'Create trip' }).click();
	await page.waitForURL(/\/trips\/[0-9a-f-]{36}$/, { timeout: 10_000 });
	await page.getByRole('heading', { name }).waitFor();
	return new URL(page.url()).pathname.split('/').pop() ?? '';
}

function clientFor(token: string) {
	return createClient(inject('e2eApiUrl'), anonKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers: { Authorization: `Bearer ${token}` } },
		realtime: { transport: WebSocket as never },
	});
}

/** `guest` joins `owner`'s trip through an invite (the RPCs, with each one's session). */
async function share(owner: Device, guest: Device, tripId: string): Promise<void> {
	const { data: token, error } = await clientFor(await accessToken(owner.page)).rpc('create_invite', {
		p_trip_id: tripId,
	});
	expect(error).toBeNull();
	const joined = await clientFor(await accessToken(guest.page)).rpc('accept_invite', { p_token: token });
	expect(joined.error).toBeNull();
}

const logCount = async (tripId: string): Promise<number> =>
	Number((await db.query('select count(*) from public.trip_changes where trip_id = $1', [tripId])).rows[0].count);

/**
 * A page of the app's origin that runs none of the app (a precached file, outside the SPA
 * fallback): the CDP session to drive the worker with while "the app is closed".
 */
async function workerDriver(context: BrowserContext): Promise<{ page: Page; cdp: CDPSession; registrationId: string }> {
	const page = await context.newPage();
	await page.goto(`${appUrl}/icon.svg`);
	const cdp = await context.newCDPSession(page);
	const registration = new Promise<string>((resolve) => {
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const r = registrations.find((x) => x.scopeURL.startsWith(appUrl) && !x.isDeleted);
			if (r) resolve(r.registrationId);
		});
	});
	await cdp.send('ServiceWorker.enable');
	return { page, cdp, registrationId: await registration };
}

/** The worker's record of its last background run (written after every run). */
async function lastRun(
	page: Page,
): Promise<{ kind: string; at: number; pushed: number; pulled: number; error: string | null } | null> {
	return page.evaluate(async () => {
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
		return run as never;
	});
}

test('installable: the manifest has what Chromium asks for, with the New trip shortcut, and no installability errors', async () => {
	// A real profile: Chromium never offers installation from an incognito context.
	const context = await launchProfile(join(work, 'profile'));
	const page = await watch(context.pages()[0] ?? (await context.newPage()));
	await page.goto(appUrl);
	await page.getByTestId('user-id').waitFor({ timeout: 20_000 });
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
	const cdp = await context.newCDPSession(page);
	const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
	expect(installabilityErrors).toEqual([]);
	const a = { page, context };
	const manifest = (await a.page.evaluate(async () => (await fetch('/manifest.webmanifest')).json())) as {
		name: string;
		short_name: string;
		display: string;
		start_url: string;
		theme_color: string;
		background_color: string;
		icons: { sizes: string; purpose?: string }[];
		shortcuts: { name: string; url: string }[];
	};
	expect(manifest).toMatchObject({ name: 'Tripmate', short_name: 'Tripmate', display: 'standalone', start_url: '/' });
	expect(manifest.theme_color).toMatch(/^#/);
	expect(manifest.background_color).toMatch(/^#/);
	expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
	expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
	expect(manifest.shortcuts.map((s) => s.name)).toEqual(['New trip']);
	// The shortcut opens the new-trip form.
	await page.goto(new URL(manifest.shortcuts[0]!.url, appUrl).href);
	await page.getByRole('textbox', { name: 'Trip name' }).waitFor({ timeout: 20_000 });
	await a.context.close();
});

test('offline shell: with the site and the API stopped, a reload opens the app, every trip opens and edits work', async () => {
	const a = await newDevice();
	const trips = ['Lisbon', 'Alps'];
	for (const name of trips) {
		await createTrip(a.page, name);
		await addItem(a.page, `${name} map`);
		await expectSynced(a.page);
	}
	await site.cut();
	await api.cut();
	await a.page.goto(appUrl);
	for (const name of trips) {
		await a.page.goto(appUrl);
		await a.page.getByRole('link', { name: new RegExp(name) }).click();
		await item(a.page, `${name} map`).waitFor({ timeout: 20_000 });
		await addItem(a.page, `${name} offline edit`);
		// Captured into the outbox (and the document stored) before the next navigation.
		await expect.poll(() => statusText(a.page), { timeout: 10_000 }).toMatch(/pending/);
	}
	// A fresh navigation to a deep link comes from the precache too, with the edit made offline.
	await a.page.reload();
	await item(a.page, 'Alps offline edit').waitFor({ timeout: 20_000 });
	await a.context.close();
});

test('tab closed with pending edits: the sync event pushes them from IndexedDB and another user sees them', async () => {
	const a = await newDevice();
	const b = await newDevice();
	const tripId = await createTrip(a.page, 'Rome');
	await addItem(a.page, 'Tickets');
	await expectSynced(a.page);
	await share(a, b, tripId);
	const before = await logCount(tripId);

	await api.cut();
	await addItem(a.page, 'Made offline 1');
	await addItem(a.page, 'Made offline 2');
	await expect.poll(() => statusText(a.page), { timeout: 20_000 }).toMatch(/2 pending/);
	await a.page.close();
	expect(await logCount(tripId)).toBe(before);

	await api.restore();
	const driver = await workerDriver(a.context);
	const dispatchedAt = Date.now();
	await driver.cdp.send('ServiceWorker.dispatchSyncEvent', {
		origin: appUrl,
		registrationId: driver.registrationId,
		tag: 'tripmate-push',
		lastChance: false,
	});
	// No page of the app is open in this context: only its worker can have pushed these.
	await expect.poll(() => logCount(tripId), { timeout: 20_000 }).toBe(before + 2);
	// The run Chromium started itself when the page registered the sync (the API was cut then) may
	// be the one that pushed, and ours found the outbox empty after it: the last run went through
	// with nothing left, whichever of the two pushed.
	await expect
		.poll(
			async () => {
				const run = await lastRun(driver.page);
				return run && run.at >= dispatchedAt ? { kind: run.kind, error: run.error } : null;
			},
			{ timeout: 10_000 },
		)
		.toEqual({ kind: 'push', error: null });

	await b.page.goto(`${appUrl}/trips/${tripId}`);
	for (const name of ['Tickets', 'Made offline 1', 'Made offline 2'])
		await item(b.page, name).waitFor({ timeout: 20_000 });
	await a.context.close();
	await b.context.close();
});

test('periodic catch-up: trips edited elsewhere while the app was closed open up to date with the server gone', async () => {
	const a = await newDevice();
	const b = await newDevice();
	const trips: Record<string, string> = {};
	for (const name of ['Oslo', 'Bergen']) {
		trips[name] = await createTrip(a.page, name);
		await addItem(a.page, `${name} first`);
		await expectSynced(a.page);
		await share(a, b, trips[name]);
	}
	await a.page.close();

	for (const [name, tripId] of Object.entries(trips)) {
		await b.page.goto(`${appUrl}/trips/${tripId}`);
		await item(b.page, `${name} first`).waitFor({ timeout: 20_000 });
		await addItem(b.page, `${name} from B`);
		await expectSynced(b.page);
	}

	const driver = await workerDriver(a.context);
	await driver.cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', {
		origin: appUrl,
		registrationId: driver.registrationId,
		tag: 'tripmate-catchup',
	});
	await expect
		.poll(async () => (await lastRun(driver.page))?.kind === 'catchup' && (await lastRun(driver.page))?.pulled, {
			timeout: 20_000,
		})
		.toBeGreaterThanOrEqual(2);
	await driver.page.close();

	await api.cut();
	await site.cut();
	const page = await watch(await a.context.newPage());
	for (const [name, tripId] of Object.entries(trips)) {
		await page.goto(`${appUrl}/trips/${tripId}`);
		await item(page, `${name} from B`).waitFor({ timeout: 20_000 });
		await item(page, `${name} first`).waitFor();
	}
	await a.context.close();
	await b.context.close();
});

test('fallbacks: without the sync APIs the settings say so, and coming back online still syncs', async () => {
	const a = await newDevice(() => {
		// As in a browser without Background Sync or Periodic Background Sync.
		const w = window as unknown as Record<string, unknown>;
		delete w.SyncManager;
		delete w.PeriodicSyncManager;
		const proto = ServiceWorkerRegistration.prototype as unknown as Record<string, unknown>;
		for (const key of ['sync', 'periodicSync']) Reflect.deleteProperty(proto, key);
	});
	await a.page.goto(`${appUrl}/settings`);
	await expect
		.poll(() => a.page.getByTestId('sync-mechanism').textContent(), { timeout: 10_000 })
		.toMatch(/^While open/);
	expect(await a.page.getByRole('checkbox', { name: 'Keep trips up to date in the background' }).isDisabled()).toBe(
		true,
	);

	const tripId = await createTrip(a.page, 'Porto');
	await expectSynced(a.page);
	const before = await logCount(tripId);
	await api.cut();
	await addItem(a.page, 'Umbrella');
	await expect.poll(() => statusText(a.page), { timeout: 20_000 }).toMatch(/1 pending/);
	await api.restore();
	// The window's own triggers: the network going and coming back.
	await a.page.evaluate(() => {
		window.dispatchEvent(new Event('offline'));
		window.dispatchEvent(new Event('online'));
	});
	await expect.poll(() => logCount(tripId), { timeout: 20_000 }).toBe(before + 1);
	await expectSynced(a.page);
	await a.context.close();
});

test('update prompt: a new build at the same origin waits for "Reload", and never reloads over unsaved typing', async () => {
	const a = await newDevice();
	const version = () =>
		a.page.evaluate(
			() =>
				new Promise<string>((resolve) => {
					const channel = new MessageChannel();
					channel.port1.onmessage = (e) => resolve((e.data as { version: string }).version);
					navigator.serviceWorker.controller!.postMessage({ type: 'GET_VERSION' }, [channel.port2]);
				}),
		);
	expect(await version()).toBe('sw-test-1');
	await createTrip(a.page, 'Kyoto');

	site.setTarget(await secondBuild);
	await a.page.evaluate(async () => {
		await (await navigator.serviceWorker.getRegistration())?.update();
	});
	const prompt = a.page.getByRole('alert', { name: 'Update available' });
	await prompt.waitFor({ timeout: 30_000 });

	// Half-typed: "Reload" must not take the new version yet (it stays waiting, the page stays).
	await a.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
	await a.page.getByRole('textbox', { name: 'Add item' }).fill('Half typed');
	await prompt.getByRole('button', { name: 'Reload' }).click();
	await prompt.getByText('Reloads when you have saved or cleared what you are typing.').waitFor();
	expect(await a.page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(
		true,
	);
	expect(await a.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

	// Saving the typing lets the reload go ahead, onto the new version.
	const reloaded = a.page.waitForEvent('load', { timeout: 30_000 });
	await a.page.getByRole('textbox', { name: 'Add item' }).press('Enter');
	await reloaded;
	await item(a.page, 'Half typed').waitFor({ timeout: 20_000 });
	expect(await a.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBeUndefined();
	expect(await version()).toBe('sw-test-2');
	await a.context.close();
});
