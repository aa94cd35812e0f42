import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll } from 'vitest';

/** Debian's Chromium (installed by .ci/run); playwright-core never downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Without the background-networking flags Chromium floods this machine's closed network with
 * connection attempts; --no-sandbox because tests run as root in CI.
 */
const ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
	}
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
	afterAll(async () => {
		await browser.close();
	});
	return browser;
}

/**
 * A non-incognito profile in `userDataDir` (Chromium refuses to install apps from incognito
 * contexts, which `browser.newContext()` makes): for installability checks.
 */
export async function launchProfile(userDataDir: string): Promise<BrowserContext> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}`);
	return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, headless: true });
}
