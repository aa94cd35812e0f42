// The service worker's catch-up: asks sync_status() which trips moved past this device's cursor
// and pulls each one's new change sets, a page at a time, straight into the trip's automerge-repo
// document database as incremental chunks (the Repo merges every chunk it finds when it loads the
// document). No Automerge runs here and at most one page is held at once, so fifty trips with
// hundreds of change sets each fit in a handler's lifetime and memory.
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { tripIdToDocumentId, type TripId } from '../trip/ids';
import type { BackgroundTripReport } from './background-messages';
import { withRefresh, type BackgroundContext } from './background-push';
import { changeHash } from './bytes';
import { docsDatabaseName } from './docs-name';
import { tripLockName, withLock } from './lock';
import type { QuarantineEntry } from './store';

/** Where pulled change sets go: the document store the Repo reads (a stand-in in tests). */
export interface ChunkSink {
	save(key: string[], data: Uint8Array): Promise<void>;
}

const PAGE = 1000;

/** The user's document database, as TripSync's Repo opens it. */
export const documentChunks = (userId: string, scope = ''): ChunkSink =>
	new IndexedDBStorageAdapter(docsDatabaseName(userId, scope));

/** Pulls every trip whose log moved on; one report per trip pulled (or failed). */
export async function catchUpAll(ctx: BackgroundContext & { chunks?: ChunkSink }): Promise<BackgroundTripReport[]> {
	const chunks = ctx.chunks ?? documentChunks(ctx.userId, ctx.scope);
	const rows = await withRefresh(ctx.server, () => ctx.server.status());
	const reports: BackgroundTripReport[] = [];
	for (const row of rows) {
		const meta = await ctx.store.trip(row.tripId);
		if (meta.revoked || row.lastSeq <= meta.cursor) continue;
		const report: BackgroundTripReport = { tripId: row.tripId, pushed: 0, pulled: 0, chunks: [], error: null };
		try {
			await withLock(tripLockName(ctx.userId, row.tripId, ctx.scope), () => pullTrip(ctx, chunks, report));
		} catch (e) {
			report.error = e instanceof Error ? e.message : String(e);
		}
		reports.push(report);
		ctx.onTrip?.(report);
	}
	return reports;
}

async function pullTrip(ctx: BackgroundContext, chunks: ChunkSink, report: BackgroundTripReport): Promise<void> {
	const { server, store } = ctx;
	const tripId = report.tripId;
	const documentId = tripIdToDocumentId(tripId as TripId);
	for (;;) {
		// Read under the lock, page by page: a window's cycle may have moved it before we got the lock.
		const meta = await store.trip(tripId);
		const rows = await withRefresh(server, () => server.pull(tripId, meta.cursor, PAGE));
		if (rows.length === 0) return;
		const outbox = new Map((await store.outbox(tripId)).map((e) => [e.hash, e]));
		const quarantined: QuarantineEntry[] = [];
		const good: Uint8Array[] = [];
		let bytes = 0;
		for (const row of rows) {
			bytes += row.data?.byteLength ?? 0;
			if (!row.data || (await changeHash(row.data)) !== row.hash) {
				quarantined.push({
					hash: row.hash,
					seq: row.seq,
					source: 'server',
					reason: 'data does not match its hash',
					bytes: row.data,
					at: Date.now(),
				});
				continue;
			}
			good.push(row.data);
		}
		const first = rows[0]!;
		const last = rows[rows.length - 1]!;
		if (good.length > 0) {
			// Concatenated change sets are a valid incremental chunk; the key names the log range,
			// distinct from the Repo's own (content-hash) keys, which its compaction leaves alone.
			const key = [documentId, 'incremental', `log-${first.seq}-${last.seq}`];
			await chunks.save(key, concat(good));
			report.chunks.push(key);
		}
		// Only after the chunk is stored does the cursor pass it: a crash in between re-pulls.
		const ownAcks = rows
			.filter((r) => outbox.has(r.hash))
			.map((r) => ({ actor: outbox.get(r.hash)!.actor, seq: outbox.get(r.hash)!.seq, hash: r.hash }));
		await store.recordPull(tripId, { cursor: last.seq, cursorHash: last.hash, ownAcks, quarantined, bytes });
		report.pulled += rows.length;
		if (rows.length < PAGE) return;
	}
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.byteLength;
	}
	return out;
}
