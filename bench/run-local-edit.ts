/**
 * A stand-in runner for the trip page's figure until bench/app.bench.ts (the app suite's runner)
 * calls `localEditFigures` itself: the e2e setup's stack and production build, Debian's Chromium,
 * a fresh guest; the figure is merged into suite `app` of bench-results.json (others kept).
 *
 *   node --import tsx bench/run-local-edit.ts
 */
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import setup from '../tests/setup/e2e.ts';
import { ms, printFigures, recordSuite, RESULTS_FILE } from './lib.ts';
import { localEditFigures } from './app/local-edit.ts';

const provided: Record<string, string> = {};
const teardown = await setup({ provide: (key: string, value: string) => (provided[key] = value) } as never);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
	headless: true,
});
try {
	const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
	page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
	await page.goto(provided.appUrl!);
	await page.getByTestId('user-id').waitFor({ timeout: 30_000 });
	const figures = await localEditFigures(page).catch(async (err: unknown) => {
		await page.screenshot({ path: 'test-results/bench-local-edit-failure.png', fullPage: true });
		throw err;
	});
	printFigures('App: trip page (Chromium, 1,000 items)', [
		{
			name: 'local edit → screen p95',
			value: ms(figures.local_edit_to_screen_p95_ms),
			target: '≤ 16 ms',
			met: figures.local_edit_to_screen_p95_ms <= 16,
		},
		{ name: 'local edit → screen p50', value: ms(figures.local_edit_to_screen_p50_ms) },
		{ name: 'of which click → change applied p95', value: ms(figures.local_edit_change_p95_ms) },
		{ name: 'of which the view re-read p95', value: ms(figures.local_edit_view_read_p95_ms) },
	]);
	let app: Record<string, number> = {};
	try {
		app = (JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, Record<string, number>>).app ?? {};
	} catch {
		// No results yet.
	}
	await recordSuite('app', { ...app, ...figures });
} finally {
	await browser.close();
	await teardown();
}
