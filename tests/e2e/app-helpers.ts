// Shared steps of the app-shell and trips-list tests: a fresh "device" (browser context), the
// screenshots at both sizes, the axe check, and the local inbox.
import { mkdir } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { createClient } from '@supabase/supabase-js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, expect, inject } from 'vitest';
import WebSocket from 'ws';
import { accessToken } from './page-session.ts';

export const SHOTS = 'test-results/screenshots';
await mkdir(SHOTS, { recursive: true });

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Device {
	context: BrowserContext;
	page: Page;
	errors: string[];
}

/** A new browser context (a new device): the app opens and signs in as a new guest. */
export async function newDevice(browser: Browser): Promise<Device> {
	const context = await browser.newContext({ viewport: DESKTOP });
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (err) => errors.push(err.message));
	await page.goto(inject('appUrl'));
	await page.getByTestId('user-id').waitFor({ timeout: 20_000 });
	return { context, page, errors };
}

/** `device()` opens a new device; every one is closed after the file's tests. */
export function deviceFactory(browser: Browser): () => Promise<Device> {
	const opened: Device[] = [];
	afterAll(async () => {
		for (const d of opened) await d.context.close();
	});
	return async () => {
		const d = await newDevice(browser);
		opened.push(d);
		return d;
	};
}

/** One query on the stack's database as its superuser, for what the test checks on the server. */
export async function queryDb<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
	const client = new pg.Client({ connectionString: inject('e2eDbUrl') });
	await client.connect();
	try {
		return (await client.query<T>(sql, params)).rows;
	} finally {
		await client.end();
	}
}

export const userId = async (page: Page) => ((await page.getByTestId('user-id').textContent()) ?? '').trim();
export const syncStatus = (page: Page) => page.getByRole('status', { name: 'Sync status' });
export const statusText = async (page: Page) => ((await syncStatus(page).textContent()) ?? '').trim();

/** Full-page screenshots at desktop and phone sizes, for a person to look at. */
export async function shots(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
	await page.setViewportSize(DESKTOP);
}

/** No axe-core violation of serious or critical impact on what the page shows now. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
	const result = await new AxeBuilder({ page }).analyze();
	const bad = result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
	expect(bad).toEqual([]);
}

/** Opens the account menu and chooses `item`. */
export async function accountMenu(page: Page, item: string): Promise<void> {
	await page.getByRole('button', { name: 'Account' }).click();
	await page.getByRole('button', { name: item, exact: true }).click();
}

interface InboxSummary {
	ID: string;
	To: { Address: string }[];
}

/** The confirmation link of the newest mail to `address` in the local stack's inbox. */
export async function confirmationLinkFor(address: string): Promise<string> {
	const api = inject('e2eApiUrl');
	let found: InboxSummary | undefined;
	await expect
		.poll(
			async () => {
				const res = await fetch(`${api}/inbox/api/v1/search?query=${encodeURIComponent(`to:${address}`)}`);
				const { messages } = (await res.json()) as { messages: InboxSummary[] };
				found = messages[0];
				return found !== undefined;
			},
			{ timeout: 15_000 },
		)
		.toBe(true);
	const message = (await (await fetch(`${api}/inbox/api/v1/message/${found!.ID}`)).json()) as { HTML: string };
	const match = /href="([^"]+\/auth\/v1\/verify\?[^"]+)"/.exec(message.HTML);
	if (!match) throw new Error(`no confirmation link in ${message.HTML}`);
	return match[1]!.replaceAll('&#38;', '&').replaceAll('&amp;', '&');
}

/** Creates a trip from the list's form and waits for its page. */
export async function createTrip(
	page: Page,
	trip: { name: string; destination?: string; start?: string; end?: string; from?: string },
): Promise<void> {
	await page.getByRole('button', { name: 'New trip' }).click();
	await page.getByRole('textbox', { name: 'Trip name' }).fill(trip.name);
	if (trip.destination) await page.getByRole('textbox', { name: 'Destination' }).fill(trip.destination);
	if (trip.start) await page.getByLabel('Start date').fill(trip.start);
	if (trip.end) await page.getByLabel('End date').fill(trip.end);
	if (trip.from) await page.getByLabel('Packing list').selectOption({ label: trip.from });
	await page.getByRole('button', { name: 'Create trip' }).click();
	await page.waitForURL(/\/trips\//, { timeout: 15_000 });
	await page.getByRole('heading', { name: trip.name }).waitFor({ timeout: 15_000 });
}

/** Back to the trips list through the app's own home link. */
export async function toList(page: Page): Promise<void> {
	await page.getByRole('link', { name: 'Tripmate' }).click();
	await page.getByRole('heading', { name: 'Your trips' }).waitFor();
}

/** supabase-js acting with a page's session (read where the app keeps it), for steps with no screen yet. */
export async function clientOf(page: Page) {
	const token = await accessToken(page);
	return createClient(inject('e2eApiUrl'), inject('e2eAnonKey'), {
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers: { Authorization: `Bearer ${token}` } },
		realtime: { transport: WebSocket as never },
	});
}
