// The trips list with 100 trips (issue 11 §6): first render after a reload, from IndexedDB, and the
// JS heap with the list showing. The trips are made on the server as the page's guest (each from a
// template, a few items packed), the app pulls and summarises them once, then each reload is timed
// from navigation start (boot, session, engine start and the list included) to the frame after the
// 100 cards are in the document (the `tripmate:list-rendered` mark Home.svelte sets).
import * as A from '@automerge/automerge';
import type { Page } from 'playwright-core';
import {
	BUILT_IN_TEMPLATES,
	createTripFromTemplate,
	newTripId,
	personIdForUser,
	readTrip,
	togglePacked,
	type IsoDate,
	type UserId,
} from '../../src/lib/trip/index.ts';
import { toBase64 } from '../../src/lib/sync/bytes.ts';
import type { AppFigures } from '../app.bench.ts';
import { benchClient, ms, summarize } from '../lib.ts';
import type { AppBench } from './harness.ts';
import { accessToken } from '../../tests/e2e/page-session.ts';

const TRIPS = 100;
const RELOADS = 7;

export async function measure(bench: AppBench): Promise<AppFigures> {
	const context = await bench.browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	await page.goto(bench.appUrl);
	await page.getByTestId('user-id').waitFor({ timeout: 30_000 });
	const userId = ((await page.getByTestId('user-id').textContent()) ?? '').trim();
	await seed(bench, await accessToken(page), userId);

	// First load after seeding: the app pulls every trip and stores its summary.
	await page.reload();
	await waitForCards(page, 300_000);
	await page.waitForFunction(
		() => !document.querySelector('progress[aria-label="Bringing your trips up to date"]'),
		null,
		{
			timeout: 300_000,
		},
	);
	await page.waitForTimeout(1_000); // summaries written after the last pull settle

	const firstRender: number[] = [];
	const listOnly: number[] = [];
	const boot: number[] = [];
	const engineReady: number[] = [];
	for (let i = 0; i < RELOADS; i++) {
		await page.reload();
		await waitForCards(page, 30_000);
		const marks = await page.waitForFunction(
			() => {
				// No named inner functions: tsx would wrap them in a helper the page does not have.
				const [rendered, load, session, engine] = [
					'tripmate:list-rendered',
					'tripmate:list-load',
					'tripmate:session-start',
					'tripmate:engine-ready',
				].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN) as [number, number, number, number];
				return [rendered, load, session, engine].every(Number.isFinite) ? { rendered, load, session, engine } : null;
			},
			null,
			{ timeout: 30_000 },
		);
		const { rendered, load, session, engine } = (await marks.jsonValue())!;
		firstRender.push(rendered);
		listOnly.push(rendered - load);
		boot.push(session);
		engineReady.push(engine - session);
	}

	const cdp = await context.newCDPSession(page);
	await cdp.send('HeapProfiler.collectGarbage');
	const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
	const heapMb = heap.usedSize / (1024 * 1024);
	await context.close();

	const render = summarize(firstRender).p50;
	const list = summarize(listOnly).p50;
	return {
		title: `Trips list, ${TRIPS} trips, Chromium (median of ${RELOADS} reloads)`,
		values: {
			trips_list_100_first_render_ms: render,
			trips_list_100_list_render_ms: list,
			trips_list_100_heap_mb: heapMb,
		},
		figures: [
			{ name: 'first render from navigation start', value: ms(render), target: '≤ 300 ms', met: render <= 300 },
			{ name: '  app code loaded and started (navigation → session start)', value: ms(summarize(boot).p50) },
			{
				name: '  engine ready (after session start; the list does not wait for it)',
				value: ms(summarize(engineReady).p50),
			},
			{ name: '  the list (load → 100 cards painted)', value: ms(list) },
			{ name: 'JS heap with the list shown', value: `${heapMb.toFixed(1)} MB`, target: '≤ 50 MB', met: heapMb <= 50 },
		],
	};
}

async function waitForCards(page: Page, timeout: number): Promise<void> {
	await page.waitForFunction((n) => document.querySelectorAll('[role="progressbar"]').length >= n, TRIPS, { timeout });
}

/** 100 trips made on the server as the guest, as another of its devices would have. */
async function seed(bench: AppBench, token: string, userId: string): Promise<void> {
	const client = benchClient(bench.apiUrl, bench.anonKey, token);
	const me = personIdForUser(userId as UserId);
	for (let i = 0; i < TRIPS; i++) {
		const tripId = newTripId();
		const template = BUILT_IN_TEMPLATES[i % BUILT_IN_TEMPLATES.length]!;
		const day = String(1 + (i % 27)).padStart(2, '0');
		let doc = createTripFromTemplate(template, {
			tripId,
			name: `Trip ${String(i + 1).padStart(3, '0')}`,
			destination: `Destination ${i + 1}`,
			startDate: `2027-05-${day}` as IsoDate,
			endDate: `2027-06-${day}` as IsoDate,
			people: [{ name: 'Me', userId: userId as UserId }, { name: 'Friend' }],
		});
		for (const itemId of Object.keys(readTrip(doc).items).slice(0, 3))
			doc = togglePacked(doc, { itemId, personId: me } as never);
		const changes = A.getAllChanges(doc);
		const created = await client.rpc('create_trip', { p_trip_id: tripId, p_name: readTrip(doc).name });
		if (created.error) throw new Error(`create_trip: ${created.error.message}`);
		const pushed = await client.rpc('push_changes', { p_trip_id: tripId, p_changes: changes.map(toBase64) });
		if (pushed.error) throw new Error(`push_changes: ${pushed.error.message}`);
	}
}
