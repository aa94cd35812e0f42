import { mkdir } from 'node:fs/promises';
import { createClient } from '@supabase/supabase-js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { launchBrowser } from './browser.ts';
import { accessToken } from './page-session.ts';

const appUrl = inject('appUrl');
const browser = await launchBrowser();
const SHOTS = 'test-results/screenshots';
await mkdir(SHOTS, { recursive: true });

const pageErrors: string[] = [];
afterEach(() => {
	expect(pageErrors.splice(0)).toEqual([]);
});

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Opens the app in a fresh context (a new device): it signs in as a new guest. */
async function newGuest(): Promise<{ context: BrowserContext; page: Page; userId: string }> {
	const context = await browser.newContext({ viewport: DESKTOP });
	const page = await context.newPage();
	// Uncaught errors in the app fail the test (see the end of each test).
	page.on('pageerror', (err) => pageErrors.push(err.message));
	await page.goto(appUrl);
	const id = page.getByTestId('user-id');
	await id.waitFor({ timeout: 20_000 });
	return { context, page, userId: ((await id.textContent()) ?? '').trim() };
}

/** supabase-js acting with a page's session, for the server steps the first page has no screen for yet. */
function clientFor(token: string) {
	return createClient(inject('e2eApiUrl'), inject('e2eAnonKey'), {
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers: { Authorization: `Bearer ${token}` } },
		realtime: { transport: WebSocket as never },
	});
}

const syncStatus = (page: Page) => page.getByRole('status', { name: 'Sync status' });
const statusText = async (page: Page) => ((await syncStatus(page).textContent()) ?? '').trim();
const item = (page: Page, name: string) => page.getByRole('checkbox', { name });

async function addItem(page: Page, name: string): Promise<void> {
	const box = page.getByRole('textbox', { name: 'Add item' });
	await box.fill(name);
	await box.press('Enter');
	await item(page, name).waitFor({ timeout: 10_000 });
}

async function expectSynced(page: Page): Promise<void> {
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Synced$/);
}

async function shots(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
	await page.setViewportSize(DESKTOP);
}

test('two guests share a trip: each sees the other’s items and ticks live, all synced, and a reload keeps it', async () => {
	const a = await newGuest();
	const b = await newGuest();
	expect(b.userId).not.toBe(a.userId);

	// A creates a trip from the first page and lands on it.
	await expectSynced(a.page);
	await a.page.getByRole('button', { name: 'New trip' }).click();
	await a.page.getByRole('textbox', { name: 'Trip name' }).fill('Lisbon in spring');
	await a.page.getByRole('textbox', { name: 'Destination' }).fill('Portugal');
	await a.page.getByLabel('Start date').fill('2027-04-10');
	await a.page.getByLabel('End date').fill('2027-04-14');
	await shots(a.page, 'new-trip-form');
	await a.page.getByRole('button', { name: 'Create trip' }).click();
	await a.page.waitForURL(/\/trips\/[0-9a-f-]{36}$/, { timeout: 10_000 });
	const tripId = new URL(a.page.url()).pathname.split('/').pop() ?? '';
	await a.page.getByRole('heading', { name: 'Lisbon in spring' }).waitFor();
	expect(await a.page.getByRole('combobox', { name: 'Category' }).inputValue()).not.toBe('');
	await addItem(a.page, 'Passport');
	await expectSynced(a.page);

	// A invites B (the invite screen comes later: the RPC with A's session); B accepts.
	const { data: token, error: inviteError } = await clientFor(await accessToken(a.page)).rpc('create_invite', {
		p_trip_id: tripId,
	});
	expect(inviteError).toBeNull();
	const { data: joined, error: joinError } = await clientFor(await accessToken(b.page)).rpc('accept_invite', {
		p_token: token,
	});
	expect(joinError).toBeNull();
	expect(joined).toBe(tripId);

	// B opens the trip by its address (the SPA fallback) and sees A's item.
	await b.page.goto(`${appUrl}/trips/${tripId}`);
	await item(b.page, 'Passport').waitFor({ timeout: 20_000 });
	expect(await b.page.getByRole('heading', { name: 'Lisbon in spring' }).isVisible()).toBe(true);

	// B adds an item and ticks A's; A sees both without reloading.
	await addItem(b.page, 'Sunscreen');
	await item(b.page, 'Passport').check();
	await item(a.page, 'Sunscreen').waitFor({ timeout: 20_000 });
	await expect.poll(() => item(a.page, 'Passport').isChecked(), { timeout: 20_000 }).toBe(true);

	// A's own edit reaches B live too.
	await addItem(a.page, 'Rain jacket');
	await item(b.page, 'Rain jacket').waitFor({ timeout: 20_000 });

	await expectSynced(a.page);
	await expectSynced(b.page);
	await shots(a.page, 'trip-a');
	await shots(b.page, 'trip-b');

	// A reload (from IndexedDB and the server) keeps everything, on both sides.
	for (const { page } of [a, b]) {
		await page.reload();
		for (const name of ['Passport', 'Sunscreen', 'Rain jacket']) await item(page, name).waitFor({ timeout: 20_000 });
		expect(await item(page, 'Passport').isChecked()).toBe(true);
		expect(await item(page, 'Sunscreen').isChecked()).toBe(false);
		await expectSynced(page);
	}

	// Both trip lists show the trip.
	for (const { page } of [a, b]) {
		await page.getByRole('link', { name: '← Your trips' }).click();
		await page.getByRole('link', { name: /Lisbon in spring/ }).waitFor({ timeout: 20_000 });
	}
	await shots(a.page, 'trip-list');
	await a.context.close();
	await b.context.close();
});

test('offline, the trip list and the trip come from IndexedDB, edits wait as pending and sync when back online', async () => {
	const a = await newGuest();
	await a.page.getByRole('button', { name: 'New trip' }).click();
	await a.page.getByRole('textbox', { name: 'Trip name' }).fill('Alps');
	await a.page.getByRole('button', { name: 'Create trip' }).click();
	await a.page.waitForURL(/\/trips\//, { timeout: 10_000 });
	await addItem(a.page, 'Boots');
	await expectSynced(a.page);
	// The service worker must control the page for the shell to load offline.
	await a.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });

	await a.context.setOffline(true);
	await a.page.goto(appUrl);
	await a.page.getByRole('link', { name: /Alps/ }).waitFor({ timeout: 20_000 });
	await a.page.getByRole('link', { name: /Alps/ }).click();
	await item(a.page, 'Boots').waitFor({ timeout: 20_000 });
	await addItem(a.page, 'Gloves');
	await expect.poll(() => statusText(a.page), { timeout: 10_000 }).toMatch(/Offline.*1 pending/);
	await shots(a.page, 'trip-offline');

	await a.context.setOffline(false);
	await expectSynced(a.page);
	const { data, error } = await clientFor(await accessToken(a.page)).rpc('sync_status');
	expect(error).toBeNull();
	expect((data as { name: string }[]).map((r) => r.name)).toContain('Alps');
	await a.context.close();
});
