// The trip page driven as a person would, by role and accessible name: items (add, rename, tick,
// reorder, override a rule's quantity and go back to it, delete and undo), plan and notes, exports,
// two people editing at once, one of them offline, reloads, and an axe check of every tab.
import { mkdir, readFile } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
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

async function newGuest(): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
	const page = await context.newPage();
	page.on('pageerror', (err) => pageErrors.push(err.message));
	// Removals wait for their undo; a `confirm` would block the test.
	page.on('dialog', (dialog) => void dialog.accept());
	await page.goto(appUrl);
	await page.getByTestId('user-id').waitFor({ timeout: 20_000 });
	return { context, page };
}

function clientFor(token: string) {
	return createClient(inject('e2eApiUrl'), inject('e2eAnonKey'), {
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers: { Authorization: `Bearer ${token}` } },
		realtime: { transport: WebSocket as never },
	});
}

const statusText = async (page: Page) =>
	((await page.getByRole('status', { name: 'Sync status' }).textContent()) ?? '').trim();
const checkbox = (page: Page, name: string) => page.getByRole('checkbox', { name, exact: true });
const addBox = (page: Page) => page.getByRole('textbox', { name: 'Add item' });
const notes = (page: Page) => page.getByRole('textbox', { name: 'Trip notes' });
const tab = (page: Page, name: string) => page.getByRole('tab', { name });

async function expectSynced(page: Page): Promise<void> {
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Synced$/);
}

async function addItem(page: Page, name: string): Promise<void> {
	await addBox(page).fill(name);
	await addBox(page).press('Enter');
	await checkbox(page, name).waitFor({ timeout: 10_000 });
}

/** Item names in screen order, as the list shows them. */
async function itemOrder(page: Page): Promise<string[]> {
	return page.locator('li[data-item-id] .name').allTextContents();
}

async function createTrip(page: Page, name: string, start = '2027-04-10', end = '2027-04-12'): Promise<string> {
	await page.getByRole('button', { name: 'New trip' }).click();
	await page.getByRole('textbox', { name: 'Trip name' }).fill(name);
	await page.getByRole('textbox', { name: 'Destination' }).fill('Portugal');
	await page.getByLabel('Start date').fill(start);
	await page.getByLabel('End date').fill(end);
	await page.getByRole('button', { name: 'Create trip' }).click();
	await page.waitForURL(/\/trips\/[0-9a-f-]{36}$/, { timeout: 10_000 });
	await page.getByRole('heading', { name }).waitFor();
	return new URL(page.url()).pathname.split('/').pop() ?? '';
}

async function openEditor(page: Page, item: string) {
	await page.getByRole('button', { name: `Edit ${item}`, exact: true }).click();
}

async function axe(page: Page, where: string): Promise<void> {
	const result = await new AxeBuilder({ page }).analyze();
	const bad = result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
	expect(bad).toEqual([]);
}

async function shots(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
	await page.setViewportSize(DESKTOP);
}

async function download(page: Page, menuItem: string): Promise<{ name: string; text: string }> {
	await page.getByRole('button', { name: 'Trip menu' }).click();
	const [file] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: menuItem }).click(),
	]);
	const path = await file.path();
	return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

test('a new user plans a trip: items added, renamed, ticked, reordered, overridden and reset; plan and notes; reload and exports keep it', async () => {
	const { context, page } = await newGuest();
	await createTrip(page, 'Porto weekend');

	// Type, Enter, keep typing: the box keeps the focus and the category is picked already.
	expect(await page.getByRole('combobox', { name: 'Category' }).inputValue()).not.toBe('');
	for (const name of ['Socks', 'Toothbrush', 'Passport']) await addItem(page, name);
	expect(await addBox(page).evaluate((el) => el === document.activeElement)).toBe(true);
	expect(await itemOrder(page)).toEqual(['Socks', 'Toothbrush', 'Passport']);

	// Rename inline, in the item's editor.
	await openEditor(page, 'Socks');
	const nameBox = page.getByRole('textbox', { name: 'Item name' });
	await nameBox.fill('Wool socks');
	await nameBox.press('Enter');
	await checkbox(page, 'Wool socks').waitFor();

	// A rule (2 per person per day, 3 days, 1 person) gives 6; an override of 4 is marked, and
	// "Use rule" goes back to 6.
	await page.getByRole('button', { name: 'Add rule' }).click();
	await page.getByRole('spinbutton', { name: 'Amount' }).fill('2');
	await page.getByRole('combobox', { name: 'Rule kind' }).selectOption('perPersonPerDay');
	await page.getByRole('button', { name: 'Save rule' }).click();
	const quantity = page.getByRole('spinbutton', { name: 'Quantity' });
	await expect.poll(() => quantity.inputValue()).toBe('6');
	await quantity.fill('4');
	await quantity.press('Enter');
	await page.getByText('Set by hand').waitFor();
	await expect.poll(() => quantity.inputValue()).toBe('4');
	await shots(page, 'trip-page-item-editor');
	await page.getByRole('button', { name: 'Use rule (6)' }).click();
	await expect.poll(() => quantity.inputValue()).toBe('6');
	expect(await page.getByText('Set by hand').count()).toBe(0);
	await openEditor(page, 'Wool socks'); // closes it

	// Tick, and reorder from the keyboard (Alt+Arrow on the focused row).
	await checkbox(page, 'Passport').check();
	await checkbox(page, 'Passport').focus();
	await page.keyboard.press('Alt+ArrowUp');
	await expect.poll(() => itemOrder(page)).toEqual(['Wool socks', 'Passport', 'Toothbrush']);
	await page.keyboard.press('Alt+ArrowUp');
	await expect.poll(() => itemOrder(page)).toEqual(['Passport', 'Wool socks', 'Toothbrush']);
	expect(await checkbox(page, 'Passport').evaluate((el) => el === document.activeElement)).toBe(true);

	// Delete with undo: the item comes back; a second delete left alone is gone for good.
	await openEditor(page, 'Toothbrush');
	await page.getByRole('button', { name: 'Delete Toothbrush' }).click();
	expect(await checkbox(page, 'Toothbrush').count()).toBe(0);
	await page.getByRole('button', { name: 'Undo', exact: true }).click();
	await checkbox(page, 'Toothbrush').waitFor();

	// Filters: "Not packed yet" hides the packed passport.
	await page.getByRole('checkbox', { name: 'Not packed yet' }).check();
	expect(await itemOrder(page)).toEqual(['Wool socks', 'Toothbrush']);
	await page.getByRole('checkbox', { name: 'Not packed yet' }).uncheck();
	await axe(page, 'packing');
	await shots(page, 'trip-page-packing');

	// The plan, one entry per date, and the notes.
	await tab(page, 'Plan').click();
	const day1 = page.getByRole('textbox', { name: 'Plan for 2027-04-10' });
	await day1.click();
	await page.keyboard.type('Arrive, tram 28');
	await page.getByRole('textbox', { name: 'Add activity on 2027-04-11' }).fill('Port tasting');
	await page.getByRole('textbox', { name: 'Add activity on 2027-04-11' }).press('Enter');
	await page.getByText('Port tasting').waitFor();
	await axe(page, 'plan');
	await shots(page, 'trip-page-plan');

	await tab(page, 'Notes').click();
	await notes(page).click();
	await page.keyboard.type('Flight TP 1234 at 9:05');
	await axe(page, 'notes');
	await shots(page, 'trip-page-notes');

	await tab(page, 'People').click();
	await page.getByRole('textbox', { name: 'Add person' }).fill('Mia');
	await page.getByRole('textbox', { name: 'Add person' }).press('Enter');
	await page.getByRole('textbox', { name: 'Name of Mia' }).waitFor();
	await axe(page, 'people');
	await shots(page, 'trip-page-people');

	// Two people now: the rule's quantity follows (2 × 2 people × 3 days).
	await tab(page, 'Packing').click();
	await openEditor(page, 'Wool socks');
	await expect.poll(() => page.getByRole('spinbutton', { name: 'Quantity' }).inputValue()).toBe('12');
	await expectSynced(page);

	// A reload keeps everything.
	await page.reload();
	await checkbox(page, 'Passport').waitFor({ timeout: 20_000 });
	expect(await itemOrder(page)).toEqual(['Passport', 'Wool socks', 'Toothbrush']);
	expect(await checkbox(page, 'Passport').isChecked()).toBe(true);
	await tab(page, 'Notes').click();
	expect(await notes(page).inputValue()).toBe('Flight TP 1234 at 9:05');
	await tab(page, 'Plan').click();
	expect(await page.getByRole('textbox', { name: 'Plan for 2027-04-10' }).inputValue()).toBe('Arrive, tram 28');

	// Exports: CSV and JSON files that hold the trip as it is.
	const csv = await download(page, 'Export CSV');
	expect(csv.name).toBe('porto-weekend.csv');
	const [header, ...rows] = csv.text
		.trim()
		.split(/\r?\n/)
		.map((l) => l.split(','));
	expect(header).toEqual(['Category', 'Item', 'Person', 'Quantity', 'Packed', 'Notes']);
	// One row per person who may pack a shared item (two people now), in the list's order.
	expect([...new Set(rows.map((r) => r[1]))]).toEqual(['Passport', 'Wool socks', 'Toothbrush']);
	expect(rows.filter((r) => r[1] === 'Wool socks').map((r) => r[3])).toEqual(['12', '12']);
	expect(
		rows
			.filter((r) => r[1] === 'Passport')
			.map((r) => r[4])
			.sort(),
	).toEqual(['false', 'true']);
	const json = await download(page, 'Export JSON');
	expect(json.name).toBe('porto-weekend.json');
	const data = JSON.parse(json.text) as {
		name: string;
		notes: string;
		categories: { items: { name: string; packedBy: unknown[] }[] }[];
		plan: { date: string; text: string; activities: { text: string }[] }[];
	};
	expect(data.name).toBe('Porto weekend');
	expect(data.notes).toBe('Flight TP 1234 at 9:05');
	const items = data.categories.flatMap((c) => c.items);
	expect(items.map((i) => i.name).sort()).toEqual(['Passport', 'Toothbrush', 'Wool socks']);
	expect(items.find((i) => i.name === 'Passport')?.packedBy).toHaveLength(1);
	expect(data.plan.find((d) => d.date === '2027-04-10')?.text).toBe('Arrive, tram 28');
	expect(data.plan.find((d) => d.date === '2027-04-11')?.activities.map((a) => a.text)).toEqual(['Port tasting']);

	// The printable checklist: the print stylesheet leaves the list and hides the controls.
	await tab(page, 'Packing').click();
	await page.emulateMedia({ media: 'print' });
	expect(await addBox(page).isVisible()).toBe(false);
	expect(await checkbox(page, 'Passport').isVisible()).toBe(true);
	await page.screenshot({ path: `${SHOTS}/trip-page-print.png`, fullPage: true });
	await page.emulateMedia({ media: 'screen' });
	await context.close();
});

test('two people edit one trip at once and converge; notes typed at the same time keep both texts; one offline catches up', async () => {
	const a = await newGuest();
	const b = await newGuest();
	const tripId = await createTrip(a.page, 'Team offsite');
	await addItem(a.page, 'Laptop');
	await expectSynced(a.page);
	const { data: token, error } = await clientFor(await accessToken(a.page)).rpc('create_invite', { p_trip_id: tripId });
	expect(error).toBeNull();
	const { error: joinError } = await clientFor(await accessToken(b.page)).rpc('accept_invite', { p_token: token });
	expect(joinError).toBeNull();
	await b.page.goto(`${appUrl}/trips/${tripId}`);
	await checkbox(b.page, 'Laptop').waitFor({ timeout: 20_000 });

	// Both add at once; each sees the other's item.
	await Promise.all([addItem(a.page, 'Charger'), addItem(b.page, 'Badge')]);
	for (const { page } of [a, b]) {
		await checkbox(page, 'Charger').waitFor({ timeout: 20_000 });
		await checkbox(page, 'Badge').waitFor({ timeout: 20_000 });
	}

	// Notes typed at the same time: A at the start, B after a line A wrote first. Both texts stay
	// whole (merged per character, and each caret stayed where its writer put it).
	for (const { page } of [a, b]) await tab(page, 'Notes').click();
	await notes(a.page).click();
	await a.page.keyboard.type('Agenda:\n');
	await expect.poll(() => notes(b.page).inputValue(), { timeout: 20_000 }).toBe('Agenda:\n');
	await notes(b.page).click();
	await b.page.keyboard.press('ControlOrMeta+End');
	await a.page.keyboard.press('ControlOrMeta+Home');
	await Promise.all([
		a.page.keyboard.type('Offsite notes. ', { delay: 30 }),
		b.page.keyboard.type('Bring snacks.', { delay: 30 }),
	]);
	const both = 'Offsite notes. Agenda:\nBring snacks.';
	for (const { page } of [a, b]) await expect.poll(() => notes(page).inputValue(), { timeout: 20_000 }).toBe(both);
	await shots(a.page, 'trip-page-two-notes');

	// B goes offline (this context only: the e2e stack is shared by every e2e file), edits; A edits
	// meanwhile; back online, both converge and B's pending count falls to 0.
	await expectSynced(b.page);
	await b.context.setOffline(true);
	await tab(b.page, 'Packing').click();
	await addItem(b.page, 'Umbrella');
	await checkbox(b.page, 'Laptop').check();
	await expect.poll(() => statusText(b.page), { timeout: 15_000 }).toMatch(/Offline.*2 pending/);
	await shots(b.page, 'trip-page-offline');
	await tab(a.page, 'Packing').click();
	await addItem(a.page, 'Adapter');
	await expectSynced(a.page);
	await b.context.setOffline(false);
	await expectSynced(b.page);
	for (const { page } of [a, b]) {
		for (const name of ['Laptop', 'Charger', 'Badge', 'Umbrella', 'Adapter']) {
			await checkbox(page, name).waitFor({ timeout: 20_000 });
		}
		await expect.poll(() => checkbox(page, 'Laptop').isChecked(), { timeout: 20_000 }).toBe(true);
	}

	// Reload keeps it all on both sides.
	for (const { page } of [a, b]) {
		await page.reload();
		await checkbox(page, 'Umbrella').waitFor({ timeout: 20_000 });
		expect(await checkbox(page, 'Laptop').isChecked()).toBe(true);
		await tab(page, 'Notes').click();
		expect(await notes(page).inputValue()).toBe(both);
	}
	await a.context.close();
	await b.context.close();
});

const namesIn = (page: Page, group: string) =>
	page.locator(`section:has(> h3 > .title:text-is("${group}")) li[data-item-id] .name`).allTextContents();

test('categories, people and dates managed in place; quantities follow; drag reorders; per-person view; a viewer gets no edit controls', async () => {
	const a = await newGuest();
	const b = await newGuest();
	const tripId = await createTrip(a.page, 'Camping');
	for (const name of ['Tent', 'Stove', 'Pan', 'Mug']) await addItem(a.page, name);

	// Categories: add, rename, remove (its items would move; Toiletries is empty).
	await a.page.getByText('Categories (4)').click();
	await a.page.getByRole('textbox', { name: 'New category' }).fill('Shelter');
	await a.page.getByRole('button', { name: 'Add category' }).click();
	const gear = a.page.getByRole('textbox', { name: 'Category name Gear' });
	await gear.fill('Kit');
	await gear.press('Enter');
	await a.page.getByRole('button', { name: 'Remove category Toiletries' }).click();
	await a.page.getByRole('heading', { name: /^Shelter/ }).waitFor();
	await a.page.getByRole('heading', { name: /^Kit/ }).waitFor();
	await expect.poll(() => a.page.getByRole('heading', { name: /^Toiletries/ }).count()).toBe(0);

	// Move an item to another category from its editor.
	await openEditor(a.page, 'Tent');
	await a.page.getByRole('combobox', { name: 'Move to category' }).selectOption({ label: 'Shelter' });
	await expect.poll(() => namesIn(a.page, 'Shelter')).toEqual(['Tent']);
	await openEditor(a.page, 'Tent');

	// Drag Mug by its handle onto Stove: it goes before it.
	expect(await namesIn(a.page, 'Clothes')).toEqual(['Stove', 'Pan', 'Mug']);
	await a.page
		.locator('li[data-item-id]:has-text("Mug") .handle')
		.dragTo(a.page.locator('li[data-item-id]:has-text("Stove")'));
	await expect.poll(() => namesIn(a.page, 'Clothes')).toEqual(['Mug', 'Stove', 'Pan']);

	// A rule's quantity follows the dates, live: 1 per person per day, 3 days then 5.
	await openEditor(a.page, 'Stove');
	await a.page.getByRole('button', { name: 'Add rule' }).click();
	await a.page.getByRole('combobox', { name: 'Rule kind' }).selectOption('perPersonPerDay');
	await a.page.getByRole('button', { name: 'Save rule' }).click();
	const quantity = a.page.getByRole('spinbutton', { name: 'Quantity' });
	await expect.poll(() => quantity.inputValue()).toBe('3');
	await a.page.getByRole('button', { name: 'Trip menu' }).click();
	await a.page.getByRole('button', { name: 'Trip settings' }).click();
	await a.page.getByLabel('End date').fill('2027-04-14');
	await a.page.getByRole('button', { name: 'Save', exact: true }).click();
	await a.page.getByText('5 days').waitFor();
	await expect.poll(() => quantity.inputValue()).toBe('5');
	await openEditor(a.page, 'Stove');

	// People: a child with a colour, owning an item; the per-person view names them in the box.
	await tab(a.page, 'People').click();
	await a.page.getByRole('textbox', { name: 'Add person' }).fill('Leo');
	await a.page.getByRole('textbox', { name: 'Add person' }).press('Enter');
	await a.page.getByRole('radio', { name: 'Blue for Leo' }).check();
	await tab(a.page, 'Packing').click();
	await openEditor(a.page, 'Pan');
	await a.page.getByRole('combobox', { name: 'Belongs to' }).selectOption({ label: 'Leo' });
	await openEditor(a.page, 'Pan');
	await a.page.getByRole('radio', { name: 'By person' }).check();
	await checkbox(a.page, 'Pan (Leo)').check();
	await a.page.getByRole('progressbar', { name: 'Leo packed' }).waitFor();
	expect(await a.page.getByRole('progressbar', { name: 'Leo packed' }).getAttribute('aria-valuenow')).toBe('100');
	await axe(a.page, 'packing by person');
	await shots(a.page, 'trip-page-by-person');
	await expectSynced(a.page);

	// A viewer sees the trip but is offered no edits.
	const { data: token } = await clientFor(await accessToken(a.page)).rpc('create_invite', {
		p_trip_id: tripId,
		p_role: 'viewer',
	});
	const { error } = await clientFor(await accessToken(b.page)).rpc('accept_invite', { p_token: token });
	expect(error).toBeNull();
	await b.page.goto(`${appUrl}/trips/${tripId}`);
	await b.page.getByRole('checkbox', { name: 'Stove' }).waitFor({ timeout: 20_000 });
	await expect.poll(() => addBox(b.page).count(), { timeout: 20_000 }).toBe(0);
	expect(await b.page.getByRole('checkbox', { name: 'Stove' }).isDisabled()).toBe(true);
	await tab(b.page, 'Notes').click();
	expect(await notes(b.page).getAttribute('readonly')).not.toBeNull();
	await axe(b.page, 'viewer');
	await shots(b.page, 'trip-page-viewer');
	await a.context.close();
	await b.context.close();
});
