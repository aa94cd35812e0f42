// Issue 11 part 1 (Start) and issue 10's sign-in screens: the first open lands on the trips list as
// a guest; "Save your trips" links an email (confirmed through the mailed link, email confirmations
// on as hosted) and a password and keeps every trip; another device signs in and sees them, and
// its own guest trips come along; sign-out warns about unsynced edits and about ending a guest.
import { expect, test } from 'vitest';
import {
	accountMenu,
	confirmationLinkFor,
	createTrip,
	expectAccessible,
	deviceFactory,
	queryDb,
	shots,
	statusText,
	toList,
	userId,
} from './app-helpers.ts';
import { launchBrowser } from './browser.ts';

const browser = await launchBrowser();
const device = deviceFactory(browser);

async function isAnonymous(id: string): Promise<boolean | null> {
	const [row] = await queryDb<{ is_anonymous: boolean }>('select is_anonymous from auth.users where id = $1', [id]);
	return row?.is_anonymous ?? null;
}

const email = `saver-${Date.now()}@example.com`;
const password = 'correct horse battery';

test('the first open lands on the trips list as a guest, with the empty state and the sync status', async () => {
	const { page, errors } = await device();
	await page.getByRole('heading', { name: 'Your trips' }).waitFor();
	await page.getByRole('heading', { name: 'Plan your first trip' }).waitFor();
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	expect(await isAnonymous(await userId(page))).toBe(true);
	expect(await page.getByRole('button', { name: 'Sync now' }).isVisible()).toBe(true);
	await expectAccessible(page, 'empty list');
	await shots(page, 'list-empty');

	await page.getByRole('button', { name: 'Account' }).click();
	expect(await page.getByRole('link', { name: 'Settings' }).getAttribute('href')).toMatch(/\/settings$/);
	await expectAccessible(page, 'account menu');
	await shots(page, 'account-menu-guest');
	await page.keyboard.press('Escape');
	expect(errors).toEqual([]);
});

test('"Save your trips" mails a link, then asks for a password, and the same user keeps its trips', async () => {
	const a = await device();
	const { page } = a;
	const guestId = await userId(page);
	await createTrip(page, { name: 'Saved trip', destination: 'Porto', from: 'Weekend city break' });
	await toList(page);

	await accountMenu(page, 'Save your trips');
	await expectAccessible(page, 'save your trips');
	await page.getByRole('textbox', { name: 'Email' }).fill('not an email');
	await page.getByRole('button', { name: 'Send confirmation link' }).click();
	// The browser's own validation stops it; then a real address.
	await page.getByRole('textbox', { name: 'Email' }).fill(email);
	await page.getByRole('button', { name: 'Send confirmation link' }).click();
	await page.getByTestId('check-email').waitFor();
	expect(await page.getByTestId('check-email').textContent()).toContain(email);
	await shots(page, 'save-trips-check-email');
	// Until the link is opened, asking again says so in words.
	await page.getByRole('button', { name: 'I opened the link' }).click();
	await page.getByText('Not confirmed yet').waitFor();
	await page.getByRole('button', { name: 'Close' }).click();

	// The person opens the mailed link in this browser: it lands back in the app.
	await page.goto(await confirmationLinkFor(email));
	await page.getByRole('textbox', { name: 'Password' }).waitFor({ timeout: 20_000 });
	expect(page.url()).not.toContain('access_token');
	await page.getByRole('textbox', { name: 'Password' }).fill('short');
	await page.getByRole('button', { name: 'Save password' }).click();
	await page.getByText('Choose a longer password').waitFor();
	await page.getByRole('textbox', { name: 'Password' }).fill(password);
	await page.getByRole('button', { name: 'Save password' }).click();
	await page.getByText('Your trips are saved in the account').waitFor();
	await page.getByRole('button', { name: 'Done' }).click();

	expect(await userId(page)).toBe(guestId);
	expect(await isAnonymous(guestId)).toBe(false);
	await page.getByRole('link', { name: /^Saved trip/ }).waitFor();
	await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe('Synced');
	expect(a.errors).toEqual([]);
});

test('another device signs in with a wrong password (told in words), then the right one: its guest trip comes along', async () => {
	const b = await device();
	const { page } = b;
	const guestId = await userId(page);
	await createTrip(page, { name: 'Guest trip on laptop' });
	await toList(page);

	await accountMenu(page, 'Sign in');
	await page.getByRole('textbox', { name: 'Email' }).fill(email);
	await page.getByLabel('Password', { exact: true }).fill('wrong password');
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByText("That email and password don't match an account.").waitFor();
	await shots(page, 'sign-in-error');
	await expectAccessible(page, 'sign in');
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByText('Your trip is now in this account.').waitFor({ timeout: 20_000 });

	expect(await userId(page)).not.toBe(guestId);
	// The account's trip (made on the first device) and the guest's own.
	await page.getByRole('link', { name: /^Saved trip/ }).waitFor({ timeout: 20_000 });
	await page.getByRole('link', { name: /^Guest trip on laptop/ }).waitFor();
	await expect.poll(() => statusText(page), { timeout: 30_000 }).toBe('Synced');
	await shots(page, 'list-signed-in');
	expect(b.errors).toEqual([]);
});

test('sign-out warns about unsynced edits and offers to wait; a guest is told it ends the guest account', async () => {
	const c = await device();
	const { page, context } = c;
	// A guest first: signing out would end the account.
	await accountMenu(page, 'Sign out');
	await page.getByTestId('guest-warning').waitFor();
	expect(await page.getByRole('button', { name: 'End guest account' }).isVisible()).toBe(true);
	await expectAccessible(page, 'sign out as guest');
	await page.getByRole('button', { name: 'Close' }).click();

	// Signed in to the saved account, with an edit made offline.
	await accountMenu(page, 'Sign in');
	await page.getByRole('textbox', { name: 'Email' }).fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('link', { name: /^Saved trip/ }).waitFor({ timeout: 20_000 });
	await context.setOffline(true);
	await createTrip(page, { name: 'Made offline' });
	await expect.poll(() => statusText(page), { timeout: 10_000 }).toMatch(/Offline.*\d+ pending/);

	await accountMenu(page, 'Sign out');
	await page.getByTestId('unsynced-warning').waitFor();
	expect(await page.getByTestId('unsynced-warning').textContent()).toMatch(/not on the server yet/);
	expect(await page.getByTestId('guest-warning').count()).toBe(0);
	await shots(page, 'sign-out-unsynced');
	await expectAccessible(page, 'sign out with unsynced edits');

	await context.setOffline(false);
	await page.getByRole('button', { name: 'Wait for sync' }).click();
	await page.getByText('Everything is on the server now.').waitFor({ timeout: 30_000 });
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
	expect(await page.getByRole('link', { name: /^Saved trip/ }).count()).toBe(0);
	await shots(page, 'signed-out');
	await expectAccessible(page, 'signed out');

	// Back in, everything made offline is there.
	await page.getByRole('textbox', { name: 'Email' }).fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('link', { name: /^Made offline/ }).waitFor({ timeout: 20_000 });
	expect(c.errors).toEqual([]);
});
