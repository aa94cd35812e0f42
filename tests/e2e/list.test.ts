// Issue 11 part 2 (the trips list) and part 4 (sync state in the header): new trips from a
// template, progress on the list, delete with a confirmation, import of a JSON export, the list
// opening offline from IndexedDB, and the sync details panel.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createTripFromTemplate, exportJson, findTemplate, readTrip } from '../../src/lib/trip/index.ts';
import {
	clientOf,
	createTrip,
	expectAccessible,
	deviceFactory,
	queryDb,
	shots,
	statusText,
	toList,
} from './app-helpers.ts';
import { launchBrowser } from './browser.ts';

const browser = await launchBrowser();
const device = deviceFactory(browser);

async function deletedOnServer(name: string): Promise<boolean | null> {
	const [row] = await queryDb<{ deleted: boolean }>(
		'select deleted_at is not null as deleted from public.trips where name = $1',
		[name],
	);
	return row?.deleted ?? null;
}

test('a trip made from a template shows its packing progress, dates, people, role and badge on the list', async () => {
	const a = await device();
	const { page } = a;
	await page.getByRole('button', { name: 'New trip' }).click();
	await expectAccessible(page, 'new trip form');
	await shots(page, 'new-trip-form');
	const options = await page.getByLabel('Packing list').locator('option').allTextContents();
	expect(options).toContain('Blank');
	expect(options).toContain('Weekend city break');
	await page.getByRole('button', { name: 'Cancel' }).click();

	await createTrip(page, {
		name: 'Lisbon weekend',
		destination: 'Portugal',
		start: '2027-04-10',
		end: '2027-04-12',
		from: 'Weekend city break',
	});
	// The template's items are there; tick one.
	const passport = page.getByRole('checkbox', { name: /Passport or ID card/ }).first();
	await passport.waitFor({ timeout: 15_000 });
	await passport.check();
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	await toList(page);

	const link = page.getByRole('link', { name: /^Lisbon weekend/ });
	await link.waitFor();
	const card = page.getByRole('listitem').filter({ has: link });
	const bar = card.getByRole('progressbar', { name: 'Packing progress, Lisbon weekend' });
	await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('1');
	expect(Number(await bar.getAttribute('aria-valuemax'))).toBeGreaterThan(5);
	const text = (await card.textContent()) ?? '';
	expect(text).toContain('Portugal');
	expect(text).toMatch(/10 Apr\s*–\s*12 Apr 2027/);
	expect(text).toContain('Owner');
	expect(text).toContain('Synced');

	// A second trip, copied from the first: its list comes along with nothing packed.
	await createTrip(page, { name: 'Lisbon again', from: 'Copy of Lisbon weekend' });
	await page
		.getByRole('checkbox', { name: /Passport or ID card/ })
		.first()
		.waitFor({ timeout: 15_000 });
	await toList(page);
	const again = page.getByRole('progressbar', { name: 'Packing progress, Lisbon again' });
	await expect
		.poll(() => again.getAttribute('aria-valuemax'), { timeout: 10_000 })
		.toBe(await bar.getAttribute('aria-valuemax'));
	expect(await again.getAttribute('aria-valuenow')).toBe('0');
	await expectAccessible(page, 'list');
	await shots(page, 'list');

	// Reloaded offline, the list comes from this device at once, progress included.
	await a.context.setOffline(true);
	await page.reload();
	await page.getByRole('link', { name: /^Lisbon weekend/ }).waitFor({ timeout: 10_000 });
	expect(
		await page.getByRole('progressbar', { name: 'Packing progress, Lisbon weekend' }).getAttribute('aria-valuenow'),
	).toBe('1');
	await expect.poll(() => statusText(page), { timeout: 10_000 }).toContain('Offline');
	await shots(page, 'list-offline');
	await a.context.setOffline(false);
	expect(a.errors).toEqual([]);
});

test('the sync details panel lists recent syncs with durations and bytes, and "Sync now" syncs', async () => {
	const { page, errors } = await device();
	await createTrip(page, { name: 'Diagnostics trip' });
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	await page.getByRole('button', { name: 'Sync now' }).click();
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	await page.getByTestId('last-synced').waitFor();
	expect(await page.getByTestId('last-synced').textContent()).toMatch(/last synced (just now|\d+ min ago)/);

	await page.getByRole('button', { name: 'Sync details' }).click();
	const dialog = page.getByRole('dialog', { name: 'Sync details' });
	await dialog.waitFor();
	const rows = dialog.getByRole('row');
	await expect.poll(() => rows.count()).toBeGreaterThan(1);
	const first = (await rows.nth(1).textContent()) ?? '';
	expect(first).toContain('Diagnostics trip');
	expect(first).toMatch(/\d+(\.\d)? (ms|s)/);
	expect(first).toMatch(/\d+(\.\d)? (B|KB|MB)/);
	expect(await dialog.textContent()).toContain('None: every change set was applied.');
	await expectAccessible(page, 'sync details');
	await shots(page, 'sync-details');
	await dialog.getByRole('button', { name: 'Close' }).click();
	expect(errors).toEqual([]);
});

test('deleting a trip asks first, then takes it off the list and off the server', async () => {
	const { page, errors } = await device();
	await createTrip(page, { name: 'Trip to delete' });
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	await toList(page);
	await createTrip(page, { name: 'Trip to keep' });
	await toList(page);
	await page.getByRole('button', { name: 'Delete Trip to delete' }).click();
	const dialog = page.getByRole('alertdialog', { name: 'Delete this trip?' });
	await dialog.waitFor();
	await expectAccessible(page, 'delete confirmation');
	await shots(page, 'delete-confirm');
	// Cancel keeps it.
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	expect(await page.getByRole('link', { name: /^Trip to delete/ }).isVisible()).toBe(true);

	await page.getByRole('button', { name: 'Delete Trip to delete' }).click();
	await dialog.getByRole('button', { name: 'Delete trip' }).click();
	await expect.poll(() => page.getByRole('link', { name: /^Trip to delete/ }).count()).toBe(0);
	expect(await deletedOnServer('Trip to delete')).toBe(true);
	await page.reload();
	await page.getByRole('link', { name: /^Trip to keep/ }).waitFor({ timeout: 15_000 });
	expect(await page.getByRole('link', { name: /^Trip to delete/ }).count()).toBe(0);
	expect(errors).toEqual([]);
});

test('"Import" makes a new trip from a JSON export; a file that is not one is refused in words', async () => {
	const { page, errors } = await device();
	const template = findTemplate('city-weekend')!;
	const doc = createTripFromTemplate(template, {
		name: 'Imported Rome',
		destination: 'Italy',
		startDate: '2027-06-01' as never,
		endDate: '2027-06-04' as never,
		people: [{ name: 'Ana' }, { name: 'Ben' }],
	});
	const file = join(tmpdir(), `tripmate-import-${Date.now()}.json`);
	await writeFile(file, exportJson(readTrip(doc)));
	const bad = join(tmpdir(), `tripmate-not-a-trip-${Date.now()}.json`);
	await writeFile(bad, '{"hello": "world"}');

	await page.getByTestId('import-file').setInputFiles(bad);
	await page.getByText('That file could not be imported').waitFor();
	await shots(page, 'import-error');
	await page.getByRole('button', { name: 'Dismiss' }).click();

	await page.getByTestId('import-file').setInputFiles(file);
	await page.waitForURL(/\/trips\//, { timeout: 15_000 });
	await page.getByRole('heading', { name: 'Imported Rome' }).waitFor({ timeout: 15_000 });
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	await toList(page);
	const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: /^Imported Rome/ }) });
	await card.waitFor();
	// The summary lands a moment after the last edit settles.
	await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('Italy');
	expect(await card.textContent()).toMatch(/Ana, Ben and 1 other/);
	expect(await card.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
	expect(errors).toEqual([]);
});

test('a member invited to a trip sees it listed with their role before opening it, and can leave it after confirming', async () => {
	const owner = await device();
	const member = await device();
	await createTrip(owner.page, { name: 'Shared Alps', destination: 'Austria', from: 'Weekend city break' });
	await expect.poll(() => statusText(owner.page), { timeout: 20_000 }).toBe('Synced');
	const tripId = owner.page.url().split('/trips/')[1]!;
	const { data: token, error } = await (await clientOf(owner.page)).rpc('create_invite', { p_trip_id: tripId });
	expect(error).toBeNull();
	const joined = await (await clientOf(member.page)).rpc('accept_invite', { p_token: token });
	expect(joined.error).toBeNull();

	// Listed from the server at once, then pulled in the background: role, progress and badge.
	await member.page.reload();
	const link = member.page.getByRole('link', { name: /^Shared Alps/ });
	await link.waitFor({ timeout: 20_000 });
	const card = member.page.getByRole('listitem').filter({ has: link });
	await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('Editor');
	await expect.poll(() => card.textContent(), { timeout: 30_000 }).toContain('Austria');
	await card.getByRole('progressbar', { name: 'Packing progress, Shared Alps' }).waitFor();
	await shots(member.page, 'list-member');

	await card.getByRole('button', { name: 'Leave Shared Alps' }).click();
	const dialog = member.page.getByRole('alertdialog', { name: 'Leave this trip?' });
	await dialog.waitFor();
	await expectAccessible(member.page, 'leave confirmation');
	await dialog.getByRole('button', { name: 'Leave trip' }).click();
	await expect.poll(() => member.page.getByRole('link', { name: /^Shared Alps/ }).count()).toBe(0);
	const left = await (await clientOf(member.page)).rpc('sync_status');
	expect((left.data as { trip_id: string }[]).some((r) => r.trip_id === tripId)).toBe(false);
	expect([...owner.errors, ...member.errors]).toEqual([]);
});
