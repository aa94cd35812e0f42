import { spawn } from 'node:child_process';
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

export interface PersistentBrowser {
	browser: Browser;
	/** The profile's one context: its IndexedDB, service worker and cookies live in `userDataDir`. */
	context: BrowserContext;
	/** SIGKILLs Chromium's whole process group (a crash, not a clean stop) and waits for it to exit. */
	kill(): Promise<void>;
}

/**
 * Chromium on a profile directory that outlives it, started by us in its own process group so a
 * test can kill every Chromium process at once, then attached to over CDP.
 */
export async function launchPersistent(userDataDir: string): Promise<PersistentBrowser> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH.`);
	const child = spawn(
		CHROMIUM,
		[...ARGS, '--headless=new', '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank'],
		{ detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
	);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const wsUrl = await new Promise<string>((resolve, reject) => {
		let err = '';
		const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${err}`)), 20_000);
		child.stderr.on('data', (d: Buffer) => {
			err += d.toString();
			const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]!);
			}
		});
		child.once('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${err}`)));
	});
	const browser = await chromium.connectOverCDP(wsUrl);
	const kill = async () => {
		try {
			process.kill(-child.pid!, 'SIGKILL');
		} catch {
			// already gone
		}
		await exited;
	};
	running.add(kill);
	void exited.then(() => running.delete(kill));
	return { browser, context: browser.contexts()[0]!, kill };
}

/** Persistent Chromiums still alive, for killPersistentBrowsers. */
const running = new Set<() => Promise<void>>();

/**
 * Kills every persistent Chromium still alive: a test file's afterAll calls it, so none outlives a
 * failed test. (Not registered here: bench/ imports this module outside Vitest.)
 */
export async function killPersistentBrowsers(): Promise<void> {
	await Promise.all([...running].map((kill) => kill()));
}
