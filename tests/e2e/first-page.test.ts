import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, inject, test } from 'vitest';
import { launchBrowser } from './browser.ts';

const appUrl = inject('appUrl');
const browser = await launchBrowser();

async function userExists(id: string): Promise<boolean> {
	const client = new pg.Client({ connectionString: inject('e2eDbUrl') });
	await client.connect();
	try {
		const { rowCount } = await client.query('select 1 from auth.users where id = $1 and is_anonymous', [id]);
		return rowCount === 1;
	} finally {
		await client.end();
	}
}

test('the first visit signs in anonymously, shows the user id and the sync status, and keeps them across a reload', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(appUrl);

	await page.getByTestId('user-id').waitFor({ timeout: 15_000 });
	await expect.poll(() => page.getByRole('status', { name: 'Sync status' }).textContent()).toContain('Synced');
	const userId = (await page.getByTestId('user-id').textContent())?.trim() ?? '';
	expect(userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
	expect(await userExists(userId)).toBe(true);
	// For a human look at the page (see README): the first connected view.
	await page.screenshot({ path: join(tmpdir(), 'first-page.png') });

	await page.reload();
	await page.getByTestId('user-id').waitFor({ timeout: 15_000 });
	expect((await page.getByTestId('user-id').textContent())?.trim()).toBe(userId);
	await context.close();
});

test('starting over signs out and comes back as a different guest', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(appUrl);
	await page.getByTestId('user-id').waitFor({ timeout: 15_000 });
	const first = (await page.getByTestId('user-id').textContent())?.trim();

	await page.getByRole('button', { name: 'Account' }).click();
	await page.getByRole('button', { name: 'Start over as a new guest' }).click();
	await expect
		.poll(
			async () =>
				(
					await page
						.getByTestId('user-id')
						.textContent()
						.catch(() => null)
				)?.trim(),
			{ timeout: 15_000 },
		)
		.not.toBe(first);
	await expect.poll(() => page.getByRole('status', { name: 'Sync status' }).textContent()).toContain('Synced');
	await context.close();
});

test('the service worker installs and controls the page, and the app shell then opens offline', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(appUrl);
	// The worker is registered after the app mounts and claims the open page when it activates.
	const controller = () => navigator.serviceWorker.controller?.scriptURL ?? null;
	await page.waitForFunction(controller, null, { timeout: 15_000 });
	expect(await page.evaluate(controller)).toBe(`${appUrl}/service-worker.js`);
	// A new load of the page is controlled from the start.
	await page.reload();
	expect(await page.evaluate(controller)).toBe(`${appUrl}/service-worker.js`);

	await context.setOffline(true);
	await page.reload();
	const heading = page.getByRole('heading', { name: 'Tripmate' });
	await heading.waitFor({ timeout: 10_000 });
	expect(await heading.isVisible()).toBe(true);
	await context.close();
});

test('the session lives in IndexedDB where the service worker reads it, and a second tab shares it', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(appUrl);
	await page.getByTestId('user-id').waitFor({ timeout: 15_000 });
	const userId = (await page.getByTestId('user-id').textContent())?.trim();

	const stored = await page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('tripmate-auth');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const text = await new Promise<unknown>((resolve, reject) => {
			const read = db.transaction('session').objectStore('session').get('tripmate-auth-session');
			read.onsuccess = () => resolve(read.result);
			read.onerror = () => reject(read.error);
		});
		db.close();
		return {
			userId: typeof text === 'string' ? (JSON.parse(text) as { user: { id: string } }).user.id : null,
			localStorageKeys: Object.keys(localStorage),
			webLocks: 'locks' in navigator,
		};
	});
	expect(stored).toEqual({ userId, localStorageKeys: [], webLocks: true });

	const second = await context.newPage();
	await second.goto(appUrl);
	await second.getByTestId('user-id').waitFor({ timeout: 15_000 });
	expect((await second.getByTestId('user-id').textContent())?.trim()).toBe(userId);
	await context.close();
});
