/**
 * `local_edit_to_screen_p95_ms`: on the trip page of a 1,000-item trip in Chromium, the time from a
 * click on an item's checkbox to the row showing it packed (the DOM updated by the app, measured in
 * the page by a MutationObserver on the row). It covers the whole path: the click handler, the
 * trip model's operation through TripSync.change, the handle's change event, the view re-read
 * (with unchanged items kept, memo.ts) and Svelte's update of that one row.
 *
 * `measure` (the suite runner's contract, bench/app.bench.ts) opens a fresh guest and its own trip.
 */
import type { Page } from 'playwright-core';
import type { AppFigures } from '../app.bench.ts';
import { ms, summarize } from '../lib.ts';
import type { AppBench } from './harness.ts';

export interface LocalEditOptions {
	items?: number;
	samples?: number;
}

export async function localEditFigures(
	page: Page,
	{ items = 1000, samples = 100 }: LocalEditOptions = {},
): Promise<{
	local_edit_to_screen_p95_ms: number;
	local_edit_to_screen_p50_ms: number;
	/** The part of it spent re-reading the view (TripPage's 'tripmate:view-read' measure). */
	local_edit_view_read_p95_ms: number;
	/** From the click to the view's re-read: the operation through TripSync.change and Automerge. */
	local_edit_change_p95_ms: number;
}> {
	await page.getByRole('button', { name: 'New trip' }).click();
	await page.getByRole('textbox', { name: 'Trip name' }).fill('Bench: 1,000 items');
	await page.getByRole('button', { name: 'Create trip' }).click();
	await page.waitForURL(/\/trips\//, { timeout: 20_000 });
	await page.getByRole('textbox', { name: 'Add item' }).waitFor({ timeout: 20_000 });

	// Seeded through the page's own "Add item" box, in the page (no round trip per item).
	await page.evaluate(async (count) => {
		const box = document.querySelector<HTMLInputElement>('input[aria-label="Add item"]')!;
		for (let i = 0; i < count; i++) {
			box.value = `Item ${i + 1}`;
			box.dispatchEvent(new Event('input', { bubbles: true }));
			box.form!.requestSubmit();
			if (i % 20 === 19) await new Promise((r) => setTimeout(r, 0));
		}
	}, items);
	await page.waitForFunction((count) => document.querySelectorAll('li[data-item-id]').length >= count, items, {
		timeout: 180_000,
	});
	// Let the engine's first push of the seeded trip settle so it does not land inside a sample.
	await page.waitForTimeout(3000);

	const times = await page.evaluate(async (n) => {
		const rows = [...document.querySelectorAll<HTMLElement>('li[data-item-id]')];
		const out: [number, number, number][] = [];
		for (let i = 0; i < n; i++) {
			const row = rows[(i * 37) % rows.length]!;
			const box = row.querySelector<HTMLInputElement>('input[type=checkbox]')!;
			const want = !row.classList.contains('packed');
			const done = new Promise<number>((resolve) => {
				const watch = new MutationObserver(() => {
					if (row.classList.contains('packed') !== want) return;
					watch.disconnect();
					resolve(performance.now());
				});
				watch.observe(row, { attributes: true, attributeFilter: ['class'] });
			});
			performance.clearMeasures('tripmate:view-read');
			const start = performance.now();
			box.click();
			const end = await done;
			const reads = performance.getEntriesByName('tripmate:view-read');
			const read = reads.reduce((sum, e) => sum + e.duration, 0);
			// Before the first read: the click handler, the operation and Automerge's change.
			const before = reads.length ? reads[0]!.startTime - start : 0;
			out.push([end - start, read, before]);
			// Idle between edits, as between a person's taps.
			await new Promise((r) => setTimeout(r, 50));
		}
		return out;
	}, samples);
	const { p50, p95 } = summarize(times.map(([total]) => total));
	const read = summarize(times.map(([, r]) => r));
	const before = summarize(times.map(([, , b]) => b));
	return {
		local_edit_to_screen_p95_ms: p95,
		local_edit_to_screen_p50_ms: p50,
		local_edit_view_read_p95_ms: read.p95,
		local_edit_change_p95_ms: before.p95,
	};
}

export async function measure(bench: AppBench): Promise<AppFigures> {
	const context = await bench.browser.newContext({ viewport: { width: 1280, height: 800 } });
	try {
		const page = await context.newPage();
		page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
		await page.goto(bench.appUrl);
		await page.getByTestId('user-id').waitFor({ timeout: 30_000 });
		const f = await localEditFigures(page);
		return {
			title: 'App: trip page (Chromium, 1,000 items)',
			values: { ...f },
			figures: [
				{
					name: 'local edit → screen p95',
					value: ms(f.local_edit_to_screen_p95_ms),
					target: '≤ 16 ms',
					met: f.local_edit_to_screen_p95_ms <= 16,
				},
				{ name: 'local edit → screen p50', value: ms(f.local_edit_to_screen_p50_ms) },
				{ name: 'of which click → change applied p95', value: ms(f.local_edit_change_p95_ms) },
				{ name: 'of which the view re-read p95', value: ms(f.local_edit_view_read_p95_ms) },
			],
		};
	} finally {
		await context.close();
	}
}
