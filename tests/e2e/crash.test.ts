// Issue 10: "a crash between merging and storing (kill the process, not a clean stop)". The
// browser's IndexedDB must survive the crash, so this runs Chromium on a profile directory and
// SIGKILLs its whole process group while a catch-up of thousands of remote change sets is being
// pulled and merged; after each relaunch on the same profile the app must converge on the server
// log, with the cursor right and the edits it made offline before the crash in the log once.
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as A from '@automerge/automerge';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { createTrip, runOp } from '../../src/lib/app/trip-ops.ts';
import { supabaseTripServer, TripSync } from '../../src/lib/sync/index.ts';
import {
	addCategory,
	addItem,
	setItemNotes,
	tripIdToDocumentId,
	type TripDoc,
	type TripId,
} from '../../src/lib/trip/index.ts';
import { killPersistentBrowsers, launchPersistent, type PersistentBrowser } from './browser.ts';

const appUrl = inject('appUrl');
const apiUrl = inject('e2eApiUrl');
const db = new pg.Client({ connectionString: inject('e2eDbUrl') });
await db.connect();
const profile = await mkdtemp(join(tmpdir(), 'tripmate-crash-profile-'));
afterAll(async () => {
	await killPersistentBrowsers();
	await db.end();
	await rm(profile, { recursive: true, force: true });
});

/** Remote change sets pushed by the other member before each crash (the catch-up grows each round). */
const REMOTE_PER_ROUND = 1500;

/**
 * Where each round kills Chromium. The call is held in a route while the test acts, so the page
 * cannot race past the kill point: the nth call of `rpc` goes to the server, its answer is given to
 * the page or not (`deliver`), Chromium dies `afterMs` later, and later calls never get an answer.
 */
const KILLS = [
	// The offline edit's push committed but its answer never arrived: pushed again after, once.
	{ rpc: 'push_changes', nth: 1, deliver: false, afterMs: 0 },
	// The catch-up's first page delivered: killed while it is checked and merged, before it is stored.
	{ rpc: 'pull_changes', nth: 1, deliver: true, afterMs: 10 },
	// Mid-catch-up: the first page merged and stored, the second delivered and being merged.
	{ rpc: 'pull_changes', nth: 2, deliver: true, afterMs: 70 },
] as const;

const pageErrors: string[] = [];

function supabase() {
	return createClient(apiUrl, inject('e2eAnonKey'), {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as never },
	});
}

interface Local {
	cursor: number;
	cursorHash: string | null;
	outbox: string[];
	/** The stored document's chunks, as automerge-repo's IndexedDB adapter keeps them. */
	chunks: number[][];
}

/** Reads the engine's store and the stored document straight from the page's IndexedDB. */
function readLocal(page: Page, userId: string, tripId: string): Promise<Local> {
	return page.evaluate(
		async ({ userId, tripId, docId }) => {
			const names = new Set((await indexedDB.databases()).map((d) => d.name));
			const open = (name: string) => {
				if (!names.has(name)) throw new Error(`no database ${name}`);
				return new Promise<IDBDatabase>((resolve, reject) => {
					const r = indexedDB.open(name);
					r.onsuccess = () => resolve(r.result);
					r.onerror = () => reject(r.error);
				});
			};
			const ask = <T>(r: IDBRequest<T>) =>
				new Promise<T>((resolve, reject) => {
					r.onsuccess = () => resolve(r.result);
					r.onerror = () => reject(r.error);
				});
			const sync = await open(`tripmate-sync:${userId}`);
			const t = sync.transaction(['trips', 'outbox']);
			const meta = (await ask(t.objectStore('trips').get(tripId))) as { cursor: number; cursorHash: string | null };
			const outbox = (await ask(t.objectStore('outbox').index('trip').getAll(tripId))) as { hash: string }[];
			sync.close();
			const docs = await open(`tripmate-docs:${userId}`);
			const range = IDBKeyRange.bound([docId], [docId, []]);
			const rows = (await ask(docs.transaction('documents').objectStore('documents').getAll(range))) as {
				binary: Uint8Array;
			}[];
			docs.close();
			return {
				cursor: meta.cursor,
				cursorHash: meta.cursorHash,
				outbox: outbox.map((e) => e.hash),
				chunks: rows.map((r) => Array.from(r.binary)),
			};
		},
		{ userId, tripId, docId: tripIdToDocumentId(tripId as TripId) as string },
	);
}

const docOf = (local: Local) =>
	local.chunks.reduce((doc, c) => A.loadIncremental(doc, new Uint8Array(c)), A.init<Record<string, unknown>>());

async function serverLog(tripId: string) {
	const { rows } = await db.query<{ seq: string; hash: string; data: Buffer }>(
		`select seq, encode(hash, 'hex') as hash, data from public.trip_changes where trip_id = $1 order by seq`,
		[tripId],
	);
	return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, data: new Uint8Array(r.data) }));
}

/** Cuts the page off the API (REST calls fail as with no network); the app shell still loads. */
const blockApi = (context: BrowserContext) => context.route(`${apiUrl}/**`, (route) => route.abort());
const unblockApi = (context: BrowserContext) => context.unroute(`${apiUrl}/**`);

async function openTrip(pb: PersistentBrowser, tripId: string): Promise<Page> {
	const page = pb.context.pages()[0] ?? (await pb.context.newPage());
	page.on('pageerror', (err) => pageErrors.push(err.message));
	await page.goto(`${appUrl}/trips/${tripId}`);
	await page.getByRole('heading', { name: 'Crash course' }).waitFor({ timeout: 20_000 });
	return page;
}

const status = async (page: Page) =>
	((await page.getByRole('status', { name: 'Sync status' }).textContent()) ?? '').trim();

test(
	'Chromium killed mid-catch-up, three times: each relaunch converges on the log, offline edits pushed once',
	{ timeout: 180_000 },
	async () => {
		// Ana, another member, writes through the engine's real push path (in Node).
		const ana = supabase();
		const { data: signedIn, error } = await ana.auth.signInAnonymously();
		expect(error).toBeNull();
		const anaSync = await TripSync.start({
			userId: signedIn.user!.id,
			supabase: ana,
			tabs: false,
			intervalMs: 0,
			storage: null,
			windowEvents: false,
		});
		const tripId = await createTrip(anaSync, { name: 'Crash course' }, 'Ana');
		const camp = await runOp(anaSync, tripId, addCategory, { name: 'Camp' });
		const tentId = (await runOp(anaSync, tripId, addItem, { name: 'Tent', categoryId: camp.id! })).id!;
		await anaSync.whenIdle();
		// From here Ana writes without an engine, so no snapshot shortens Ben's catch-up: he merges every
		// change set. Her document keeps her actor (the server binds actors to their user).
		const live = (await anaSync.open<TripDoc>(tripId)).doc();
		let anaDoc = A.load<TripDoc>(A.save(live), { actor: A.getActorId(live) });
		await anaSync.shutdown();
		const anaServer = supabaseTripServer(ana);

		// Ben, in Chromium on a persistent profile, joins the trip and opens it.
		let pb = await launchPersistent(profile);
		let page = pb.context.pages()[0] ?? (await pb.context.newPage());
		page.on('pageerror', (err) => pageErrors.push(err.message));
		await page.goto(appUrl);
		await page.getByTestId('user-id').waitFor({ timeout: 20_000 });
		const benId = ((await page.getByTestId('user-id').textContent()) ?? '').trim();
		const { data: token } = await ana.rpc('create_invite', { p_trip_id: tripId });
		const benToken = await page.evaluate(async () => {
			const r = indexedDB.open('tripmate-auth');
			const db = await new Promise<IDBDatabase>((resolve) => (r.onsuccess = () => resolve(r.result)));
			const get = db.transaction('session').objectStore('session').get('tripmate-auth-session');
			const text = await new Promise((resolve) => (get.onsuccess = () => resolve(get.result)));
			return (JSON.parse(String(text)) as { access_token: string }).access_token;
		});
		const ben = createClient(apiUrl, inject('e2eAnonKey'), {
			auth: { persistSession: false, autoRefreshToken: false },
			global: { headers: { Authorization: `Bearer ${benToken}` } },
			realtime: { transport: WebSocket as never },
		});
		expect((await ben.rpc('accept_invite', { p_token: token })).error).toBeNull();
		page = await openTrip(pb, tripId);
		await page.getByRole('checkbox', { name: 'Tent' }).waitFor({ timeout: 20_000 });
		await expect.poll(() => status(page), { timeout: 20_000 }).toMatch(/^Synced$/);

		const offlineHashes: string[] = [];
		for (const [round, kill] of KILLS.entries()) {
			// Ben edits with the API unreachable: the edit waits in the outbox.
			await blockApi(pb.context);
			const box = page.getByRole('textbox', { name: 'Add item' });
			await box.fill(`Offline ${round}`);
			await box.press('Enter');
			await page.getByRole('checkbox', { name: `Offline ${round}` }).waitFor({ timeout: 10_000 });
			await expect.poll(async () => (await readLocal(page, benId, tripId)).outbox.length).toBeGreaterThan(0);
			const before = await readLocal(page, benId, tripId);
			offlineHashes.push(...before.outbox.filter((h) => !offlineHashes.includes(h)));

			// Meanwhile Ana pushes a large number of change sets through the push RPC, ≤ 1,000 a call.
			for (let i = 0; i < REMOTE_PER_ROUND; i += 1000) {
				const batch: Uint8Array[] = [];
				for (let k = i; k < Math.min(i + 1000, REMOTE_PER_ROUND); k++) {
					anaDoc = A.change(anaDoc, setItemNotes.recipe({ itemId: tentId, notes: `round ${round} note ${k}` }));
					batch.push(A.getLastLocalChange(anaDoc)!);
				}
				await anaServer.push(tripId, batch);
			}
			const lastSeq = (await serverLog(tripId)).at(-1)!.seq;

			// Back online: Chromium is SIGKILLed at this round's point of the push and catch-up.
			const dead = pb;
			let calls = 0;
			const killed = new Promise<void>((resolve) => {
				void dead.context.route(new RegExp(`/rpc/${kill.rpc}`), async (route) => {
					const n = ++calls;
					if (n < kill.nth) return route.continue();
					if (n > kill.nth) return; // never answered: Chromium dies first
					try {
						const response = await route.fetch();
						if (kill.deliver) await route.fulfill({ response });
					} finally {
						setTimeout(() => void dead.kill().then(resolve), kill.afterMs);
					}
				});
			});
			await unblockApi(dead.context);
			// The engine's backoff may retry first and reach the kill point before the click lands.
			await page
				.getByRole('button', { name: 'Sync now' })
				.click()
				.catch(() => {});
			await killed;

			// Relaunched on the same profile, still cut off: what the crash left on disk.
			pb = await launchPersistent(profile);
			await blockApi(pb.context);
			page = await openTrip(pb, tripId);
			for (let r = 0; r <= round; r++)
				await page.getByRole('checkbox', { name: `Offline ${r}` }).waitFor({ timeout: 20_000 });
			const after = await readLocal(page, benId, tripId);
			// The crash came before the catch-up ended (else this round proved nothing)...
			expect(after.cursor).toBeLessThan(lastSeq);
			// ...and the stored document holds everything the cursor claims.
			const stored = docOf(after);
			const log = await serverLog(tripId);
			const merged = log.filter((row) => row.seq <= after.cursor).map((row) => row.hash);
			expect(A.hasHeads(stored, merged)).toBe(true);
			// Every offline edit is still waiting or already in the log: none was lost.
			const inLog = new Set(log.map((row) => row.hash));
			for (const h of offlineHashes) expect(after.outbox.includes(h) || inLog.has(h)).toBe(true);
		}

		// Back online for good: the app converges without help.
		await unblockApi(pb.context);
		await page.getByRole('button', { name: 'Sync now' }).click();
		await expect.poll(() => status(page), { timeout: 60_000 }).toMatch(/^Synced$/);
		const log = await serverLog(tripId);
		await expect
			.poll(async () => (await readLocal(page, benId, tripId)).cursor, { timeout: 20_000 })
			.toBe(log.at(-1)!.seq);
		const local = await readLocal(page, benId, tripId);
		expect(local.cursorHash).toBe(log.at(-1)!.hash);
		expect(local.outbox).toEqual([]);

		// The stored document is exactly the log's content: the same changes, heads and value.
		const doc = docOf(local);
		const fromLog = A.applyChanges(
			A.init<Record<string, unknown>>(),
			log.map((row) => row.data),
		)[0];
		expect(new Set(A.getChangesMetaSince(doc, []).map((m) => m.hash))).toEqual(new Set(log.map((row) => row.hash)));
		expect([...A.getHeads(doc)].sort()).toEqual([...A.getHeads(fromLog)].sort());
		expect(A.toJS(doc)).toEqual(A.toJS(fromLog));
		expect(log.length).toBeGreaterThan(KILLS.length * REMOTE_PER_ROUND);

		// Each edit made offline before a crash is in the log exactly once, as exactly one item.
		const counts = new Map<string, number>();
		for (const row of log) counts.set(row.hash, (counts.get(row.hash) ?? 0) + 1);
		for (const h of offlineHashes) expect(counts.get(h)).toBe(1);
		const items = Object.values((A.toJS(doc) as { items: Record<string, { name: string }> }).items);
		for (const [round] of KILLS.entries()) expect(items.filter((it) => it.name === `Offline ${round}`)).toHaveLength(1);
		expect((A.toJS(doc) as { items: Record<string, { notes: string }> }).items[tentId]?.notes).toBe(
			`round ${KILLS.length - 1} note ${REMOTE_PER_ROUND - 1}`,
		);
		await page.getByRole('checkbox', { name: 'Tent' }).waitFor();
		expect(pageErrors).toEqual([]);
		await pb.kill();
	},
);
