import * as A from '@automerge/automerge';
import { createClient } from '@supabase/supabase-js';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterEach, expect, inject, test } from 'vitest';
import { launchBrowser } from './browser.ts';
import { accessToken } from './page-session.ts';

const appUrl = inject('appUrl');
const browser = await launchBrowser();

const pageErrors: string[] = [];
afterEach(() => {
	expect(pageErrors.splice(0)).toEqual([]);
});

async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	page.on('pageerror', (err) => pageErrors.push(err.message));
	return { context, page };
}

async function userIdOf(page: Page): Promise<string> {
	const id = page.getByTestId('user-id');
	await id.waitFor({ timeout: 20_000 });
	return ((await id.textContent()) ?? '').trim();
}

/** The owner makes an invite link for `role` from the trip header. */
async function inviteLink(page: Page, role: 'Editor' | 'Viewer'): Promise<string> {
	const invite = page.getByRole('button', { name: 'Invite people' });
	if ((await invite.getAttribute('aria-expanded')) !== 'true') await invite.click();
	await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: role });
	const box = page.getByRole('textbox', { name: 'Invite link' });
	const before = (await box.count()) ? await box.inputValue() : '';
	await page.getByRole('button', { name: 'Create invite link' }).click();
	await expect
		.poll(async () => ((await box.count()) ? await box.inputValue() : ''), { timeout: 10_000 })
		.not.toBe(before);
	return box.inputValue();
}

/** Opens a join link in a fresh browser context: a brand-new guest joins and lands on the trip. */
async function joinByLink(
	link: string,
	tripId: string,
): Promise<{ context: BrowserContext; page: Page; userId: string }> {
	const { context, page } = await newContext();
	await page.goto(link);
	await page.waitForURL(new RegExp(`/trips/${tripId}$`), { timeout: 30_000 });
	return { context, page, userId: await userIdOf(page) };
}

/** supabase-js with a page's session: a second device of that person. */
function clientFor(token: string) {
	return createClient(inject('e2eApiUrl'), inject('e2eAnonKey'), {
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers: { Authorization: `Bearer ${token}` } },
		realtime: { transport: WebSocket as never },
	});
}

type Item = { name: string; quantity: number };

/**
 * Two people each set one item's quantity on a device of their own that had not heard of the
 * other's edit (concurrent changes from one base), pushed to the log under their own sessions.
 */
async function concurrentQuantities(tripId: string, itemName: string, edits: [string, number][]): Promise<void> {
	const { data, error } = await clientFor(edits[0]![0]).rpc('pull_changes', { p_trip_id: tripId });
	expect(error).toBeNull();
	const changes = (data as { data: string }[]).map((r) => new Uint8Array(Buffer.from(r.data, 'base64')));
	const [base] = A.applyChanges(A.init<{ items: Record<string, Item> }>(), changes);
	const id = Object.keys(base.items).find((k) => String(base.items[k]!.name) === itemName)!;
	for (const [token, quantity] of edits) {
		const mine = A.change(A.clone(base), (d) => void (d.items[id]!.quantity = quantity));
		const change = A.getLastLocalChange(mine)!;
		const pushed = await clientFor(token).rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [Buffer.from(change).toString('base64')],
		});
		expect(pushed.error).toBeNull();
	}
}

const hereNow = (page: Page) => page.getByRole('list', { name: 'Here now' }).getByRole('listitem');
const hereIds = async (page: Page) =>
	(await hereNow(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-user-id') ?? ''))).sort();

test('the owner invites an editor and a viewer by link; all see each other here; the viewer is told it is view only; what changed after a reload; a conflict shows both values with authors and one pick settles it everywhere; a removed editor is told', async () => {
	const owner = await newContext();
	await owner.page.goto(appUrl);
	const ownerId = await userIdOf(owner.page);
	await owner.page.getByRole('button', { name: 'New trip' }).click();
	await owner.page.getByRole('textbox', { name: 'Trip name' }).fill('Together');
	await owner.page.getByRole('button', { name: 'Create trip' }).click();
	await owner.page.waitForURL(/\/trips\/[0-9a-f-]{36}$/, { timeout: 10_000 });
	const tripId = new URL(owner.page.url()).pathname.split('/').pop() ?? '';
	await owner.page.getByRole('heading', { name: 'Together' }).waitFor();

	const editorLink = await inviteLink(owner.page, 'Editor');
	expect(editorLink).toMatch(new RegExp(`^${appUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/join/.+`));
	const editor = await joinByLink(editorLink, tripId);
	const viewerLink = await inviteLink(owner.page, 'Viewer');
	const viewer = await joinByLink(viewerLink, tripId);

	// Everyone on the trip sees all three, once each (the owner's invites list shows both links).
	const everyone = [ownerId, editor.userId, viewer.userId].sort();
	for (const { page } of [owner, editor, viewer])
		await expect.poll(() => hereIds(page), { timeout: 20_000 }).toEqual(everyone);
	// Members and invites live in the People tab.
	await owner.page.getByRole('tab', { name: 'People' }).click();
	await expect
		.poll(() => owner.page.getByRole('list', { name: 'Invites' }).getByRole('listitem').count(), { timeout: 10_000 })
		.toBe(2);

	// The viewer is told, and nothing the viewer tries reaches the others.
	await expect.poll(() => viewer.page.getByRole('status').filter({ hasText: 'view only' }).count()).toBe(1);
	expect(await editor.page.getByText('view only').count()).toBe(0);
	expect(await owner.page.getByText('view only').count()).toBe(0);

	await owner.page.getByRole('tab', { name: 'Packing' }).click();

	// The editor's edit reaches the owner; then the owner removes the editor, whose app says so.
	const add = editor.page.getByRole('textbox', { name: 'Add item' });
	await add.fill('Tent');
	await add.press('Enter');
	await owner.page.getByRole('checkbox', { name: 'Tent' }).waitFor({ timeout: 20_000 });

	// "What changed": after a reload the owner sees the editor's item, named as the editor's doing.
	await owner.page.reload();
	const changed = owner.page.getByRole('region', { name: 'What changed' });
	await changed.getByText(/^Tent — added by (?!you)/).waitFor({ timeout: 20_000 });

	// Both editors set Tent's quantity at once: everyone sees both values with their authors;
	// the editor keeps 5 and the conflict goes away everywhere (the viewer cannot pick).
	await concurrentQuantities(tripId, 'Tent', [
		[await accessToken(owner.page), 2],
		[await accessToken(editor.page), 5],
	]);
	for (const { page } of [owner, editor, viewer])
		await page.getByRole('group', { name: 'Quantity of Tent' }).waitFor({ timeout: 20_000 });
	const ownerConflict = owner.page.getByRole('group', { name: 'Quantity of Tent' });
	await ownerConflict.getByRole('button', { name: /^Keep 2 \(you\)/ }).waitFor();
	await ownerConflict.getByRole('button', { name: /^Keep 5 \((?!you)/ }).waitFor();
	expect(await viewer.page.getByRole('group', { name: 'Quantity of Tent' }).getByRole('button').count()).toBe(0);
	await editor.page
		.getByRole('group', { name: 'Quantity of Tent' })
		.getByRole('button', { name: /^Keep 5/ })
		.click();
	for (const [who, { page }] of [
		['owner', owner],
		['editor', editor],
		['viewer', viewer],
	] as const)
		await expect
			.poll(() => page.getByRole('group', { name: 'Quantity of Tent' }).count(), { timeout: 20_000, message: who })
			.toBe(0);
	// Undo takes back the owner's own last change (an added item) for everyone; the viewer has none.
	const addOwn = owner.page.getByRole('textbox', { name: 'Add item' });
	await addOwn.fill('Stove');
	await addOwn.press('Enter');
	await viewer.page.getByRole('checkbox', { name: 'Stove' }).waitFor({ timeout: 20_000 });
	expect(await viewer.page.getByRole('button', { name: 'Undo my last change' }).count()).toBe(0);
	await owner.page.getByRole('button', { name: 'Undo my last change' }).click();
	for (const { page } of [owner, viewer])
		await expect.poll(() => page.getByRole('checkbox', { name: 'Stove' }).count(), { timeout: 20_000 }).toBe(0);
	expect(await owner.page.getByRole('checkbox', { name: 'Tent' }).count()).toBe(1);

	await owner.page.getByRole('tab', { name: 'People' }).click();
	await owner.page
		.locator(`li[data-user-id="${editor.userId}"]`)
		.getByRole('button', { name: /^Remove / })
		.click();
	await editor.page
		.getByRole('alert')
		.filter({ hasText: 'You no longer have access to this trip' })
		.waitFor({ timeout: 20_000 });
	await expect.poll(() => hereIds(owner.page), { timeout: 20_000 }).toEqual([ownerId, viewer.userId].sort());

	for (const c of [owner, editor, viewer]) await c.context.close();
});

test('an unknown invite link explains itself', async () => {
	const { context, page } = await newContext();
	await page.goto(`${appUrl}/join/not-a-real-token`);
	await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor({ timeout: 20_000 });
	await context.close();
});
