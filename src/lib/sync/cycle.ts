// One sync cycle for one trip: push the outbox in causal batches, pull from the cursor page by
// page until an empty page, merge, advance the cursor only after the merge is stored. Refusals
// that retrying cannot fix end the cycle with a problem; retryable failures throw to the caller,
// which backs off. Only the store and the LocalDoc are touched, never the Repo directly.
import { changeHash } from './bytes';
import { isServerCallError, ServerCallError } from './errors';
import type { LocalDoc } from './local-doc';
import { chooseCatchUp, planPushBatches, shouldUploadSnapshot } from './plan';
import type { TripRole, TripServer } from './server';
import type { SyncProblem } from './state';
import type { OutboxEntry, QuarantineEntry, SyncStore } from './store';

export interface ServerInfo {
	role: TripRole;
	lastSeq: number;
	snapshotSeq: number;
}

export interface CycleContext {
	tripId: string;
	userId: string;
	server: TripServer;
	store: SyncStore;
	doc: LocalDoc;
	/** The latest sync_status row for the trip (null: not known, or not listed). */
	info: ServerInfo | null;
	/** The document's trip name (for trips.name), or null when it has none. */
	docName(): string | null;
	/** Waits until every local edit seen so far is in the outbox. */
	captured(): Promise<void>;
	now?: () => number;
}

export interface CycleReport {
	pushed: number;
	pulled: number;
	pushCalls: number;
	bytesUp: number;
	bytesDown: number;
	quarantined: number;
	snapshotUploaded: boolean;
	problem: SyncProblem | null;
}

const PAGE = 1000;
/** Rounds of "push what the server says is missing, then push again" within one cycle. */
const MAX_PUSH_ROUNDS = 4;
const UNTITLED = 'Untitled trip';

/** Ends a cycle early with a problem the user must see (not retried by backoff). */
class Stop extends Error {
	constructor(readonly problem: SyncProblem) {
		super(problem.message);
	}
}

export async function runCycle(ctx: CycleContext): Promise<CycleReport> {
	const report: CycleReport = {
		pushed: 0,
		pulled: 0,
		pushCalls: 0,
		bytesUp: 0,
		bytesDown: 0,
		quarantined: 0,
		snapshotUploaded: false,
		problem: null,
	};
	let refreshed = false;
	// One session refresh per cycle on 401, then the call once more.
	const authed = async <T>(fn: () => Promise<T>): Promise<T> => {
		try {
			return await fn();
		} catch (e) {
			if (!isServerCallError(e) || e.class.kind !== 'unauthorized' || refreshed) throw mapFatal(e);
			refreshed = true;
			if (!(await ctx.server.refreshSession())) throw new Stop({ kind: 'signed-out', message: 'session expired' });
			try {
				return await fn();
			} catch (e2) {
				throw mapFatal(e2);
			}
		}
	};
	try {
		await checkUser(ctx);
		await ensureCreated(ctx, authed);
		await pushOutbox(ctx, report, authed);
		// Always pulled, even after a push that moved the cursor to the log's end as of that push:
		// the empty page is what proves the end (a hint for a later write may be lost or late).
		await pull(ctx, report, authed);
		await syncName(ctx, authed);
		await maybeUploadSnapshot(ctx, report, authed);
	} catch (e) {
		if (e instanceof Stop) report.problem = e.problem;
		else throw e;
	}
	return report;
}

/** Refusals that no retry can fix become problems; retryable ones propagate for backoff. */
function mapFatal(e: unknown): unknown {
	if (!isServerCallError(e)) return e;
	const c = e.class;
	if (c.kind === 'unauthorized') return new Stop({ kind: 'signed-out', message: e.message });
	if (c.kind === 'forbidden' && c.reason === 'not-member')
		return new Stop({ kind: 'removed', pending: 0, message: e.message });
	if (c.kind === 'fatal' || (c.kind === 'forbidden' && c.reason === 'other'))
		return new Stop({
			kind: 'server',
			status: e.failure.status,
			code: e.failure.code ?? '',
			message: e.message,
		});
	return e;
}

async function checkUser(ctx: CycleContext): Promise<void> {
	const session = await ctx.server.currentUser();
	if (session === null) throw new Stop({ kind: 'signed-out', message: 'no session: nothing is synced' });
	if (session !== ctx.userId)
		throw new Stop({
			kind: 'wrong-user',
			sessionUserId: session,
			message: 'another user is signed in: this user’s edits are not pushed under their session',
		});
}

type Authed = <T>(fn: () => Promise<T>) => Promise<T>;

async function ensureCreated(ctx: CycleContext, authed: Authed): Promise<void> {
	const meta = await ctx.store.trip(ctx.tripId);
	if (!meta.createdHere || meta.serverCreated) return;
	const name = ctx.docName()?.trim() || UNTITLED;
	await authed(() => ctx.server.createTrip(ctx.tripId, name));
	await ctx.store.updateTrip(ctx.tripId, { serverCreated: true, serverName: name });
}

/** Pushes the outbox in causal batches, handling refusals that a retry within the cycle can fix. */
async function pushOutbox(ctx: CycleContext, report: CycleReport, authed: Authed): Promise<void> {
	await ctx.captured();
	if (ctx.info?.role === 'viewer') {
		const pending = await ctx.store.pendingCount(ctx.tripId);
		if (pending > 0) throw new Stop({ kind: 'read-only', pending, message: 'you can view this trip but not edit it' });
		return;
	}
	let singles = false;
	for (let round = 0; round < MAX_PUSH_ROUNDS; round++) {
		const outbox = await ctx.store.outbox(ctx.tripId);
		if (outbox.length === 0) return;
		const batches = planPushBatches(outbox, singles ? { maxChanges: 1, maxBytes: Infinity } : undefined);
		let again = false;
		for (const batch of batches) {
			try {
				await pushBatch(ctx, report, batch, authed);
			} catch (e) {
				if (!isServerCallError(e)) throw e;
				const outcome = await onPushRefused(ctx, report, batch, e);
				if (outcome === 'split') singles = true;
				again = true;
				break;
			}
		}
		if (!again) return;
	}
}

/** Pushes one batch; when its seqs followed the cursor, the cursor moves over them. */
async function pushBatch(ctx: CycleContext, report: CycleReport, batch: OutboxEntry[], authed: Authed): Promise<void> {
	// The session may have changed between the cycle's start and this push (another tab signed in).
	await checkUser(ctx);
	const rows = await authed(() =>
		ctx.server.push(
			ctx.tripId,
			batch.map((e) => e.bytes),
		),
	);
	const bytes = batch.reduce((n, e) => n + e.bytes.byteLength, 0);
	report.pushCalls++;
	report.pushed += batch.length;
	report.bytesUp += bytes;
	await ctx.store.acknowledge(
		ctx.tripId,
		batch.map((e) => ({ actor: e.actor, seq: e.seq, hash: e.hash })),
		bytes,
	);
	// When our push got exactly the seqs right after the cursor, nobody wrote in between: the cursor
	// moves over them without pulling our own changes back (the document already holds them).
	const meta = await ctx.store.trip(ctx.tripId);
	const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
	const contiguous = seqs.length > 0 && seqs[0] === meta.cursor + 1 && seqs.every((s, i) => s === seqs[0]! + i);
	if (contiguous) {
		await ctx.doc.persist();
		const last = rows.find((r) => r.seq === seqs[seqs.length - 1])!;
		await ctx.store.recordPull(ctx.tripId, {
			cursor: last.seq,
			cursorHash: last.hash,
			ownAcks: [],
			quarantined: [],
			bytes: 0,
		});
	}
}

/** What to do after the server refused a push; throws what backoff or the user must handle. */
async function onPushRefused(
	ctx: CycleContext,
	report: CycleReport,
	batch: OutboxEntry[],
	e: ServerCallError,
): Promise<'again' | 'split'> {
	const c = e.class;
	const now = ctx.now?.() ?? Date.now();
	const quarantine = async (entry: OutboxEntry, reason: string) => {
		const q: QuarantineEntry = { hash: entry.hash, seq: null, source: 'local', reason, bytes: entry.bytes, at: now };
		await ctx.store.quarantineLocal(ctx.tripId, [q]);
		report.quarantined++;
	};
	switch (c.kind) {
		case 'missing-dependency': {
			const dep = c.hash ? ctx.doc.change(c.hash) : null;
			const meta = await ctx.store.trip(ctx.tripId);
			const own = await ctx.store.actors();
			const pushable = dep && (dep.hash === meta.genesisHash || (dep.actor !== null && own.has(dep.actor)));
			if (dep && pushable) {
				const entry = dep.hash === meta.genesisHash ? { ...dep, actor: null } : dep;
				if ((await ctx.store.addToOutbox(ctx.tripId, [entry])) > 0) return 'again';
			}
			const quarantined = new Set((await ctx.store.quarantined(ctx.tripId)).map((q) => q.hash));
			if (c.hash && quarantined.has(c.hash) && c.index !== null && batch[c.index]) {
				// It depends on a change the server refused: it can never be accepted either.
				await quarantine(batch[c.index]!, `depends on quarantined change ${c.hash}`);
				return 'again';
			}
			throw new Stop({
				kind: 'blocked',
				missing: c.hash ? [c.hash] : [],
				message: `local edits depend on a change this device cannot push (${c.hash ?? 'unknown'})`,
			});
		}
		case 'malformed':
		case 'too-large': {
			const entry = c.index !== null ? batch[c.index] : batch.length === 1 ? batch[0] : undefined;
			if (!entry) return 'split';
			await quarantine(entry, e.message);
			return 'again';
		}
		case 'forbidden':
			if (c.reason === 'read-only') {
				const pending = await ctx.store.pendingCount(ctx.tripId);
				throw new Stop({ kind: 'read-only', pending, message: e.message });
			}
			if (c.reason === 'foreign-actor') throw new Stop({ kind: 'blocked', missing: [], message: e.message });
			throw mapFatal(e);
		default:
			throw mapFatal(e);
	}
}

async function pull(ctx: CycleContext, report: CycleReport, authed: Authed): Promise<void> {
	let meta = await ctx.store.trip(ctx.tripId);
	if (ctx.info && chooseCatchUp({ cursor: meta.cursor, ...ctx.info }) === 'snapshot') {
		const snap = await authed(() => ctx.server.snapshot(ctx.tripId));
		// Without the log's heads at its seq (older servers) a snapshot cannot be verified: tail only.
		if (snap && snap.heads && snap.seq > meta.cursor && ctx.doc.mergeSnapshot(snap.data, snap.heads)) {
			report.bytesDown += snap.data.byteLength;
			await ctx.doc.persist();
			await ctx.store.recordPull(ctx.tripId, {
				cursor: snap.seq,
				cursorHash: null,
				ownAcks: [],
				quarantined: [],
				bytes: 0,
			});
			await ctx.store.setSnapshotDigest(ctx.tripId, { seq: snap.seq, heads: snap.heads, at: Date.now() });
			meta = await ctx.store.trip(ctx.tripId);
		}
	}
	for (;;) {
		const rows = await authed(() => ctx.server.pull(ctx.tripId, meta.cursor, PAGE));
		if (rows.length === 0) return;
		const outbox = new Map((await ctx.store.outbox(ctx.tripId)).map((e) => [e.hash, e]));
		const now = ctx.now?.() ?? Date.now();
		const quarantined: QuarantineEntry[] = [];
		const good: { hash: string; bytes: Uint8Array; seq: number }[] = [];
		let bytes = 0;
		for (const row of rows) {
			bytes += row.data?.byteLength ?? 0;
			const actual = row.data ? await changeHash(row.data) : null;
			if (!row.data || actual !== row.hash) {
				quarantined.push(q(row.hash, row.seq, row.data, 'data does not match its hash', now));
				continue;
			}
			good.push({ hash: row.hash, bytes: row.data, seq: row.seq });
		}
		for (const r of ctx.doc.applyBatch(good.map((g) => g.bytes))) {
			const g = good[r.index]!;
			quarantined.push(q(g.hash, g.seq, g.bytes, r.reason, now));
		}
		// The merge must be on disk before the cursor moves past it: a crash here re-pulls, never skips.
		await ctx.doc.persist();
		const last = rows[rows.length - 1]!;
		const ownAcks = rows
			.filter((r) => outbox.has(r.hash))
			.map((r) => ({ actor: outbox.get(r.hash)!.actor, seq: outbox.get(r.hash)!.seq, hash: r.hash }));
		const authors = rows.flatMap((r) => (r.authorId ? [{ hash: r.hash, authorId: r.authorId }] : []));
		await ctx.store.recordPull(ctx.tripId, {
			cursor: last.seq,
			cursorHash: last.hash,
			ownAcks,
			quarantined,
			bytes,
			authors,
		});
		report.pulled += rows.length;
		report.bytesDown += bytes;
		report.quarantined += quarantined.length;
		// Page by page until an empty page (the contract): a short page is not taken as the
		// log's end, since the server may cap a page by bytes and rows may commit while we read.
		meta = await ctx.store.trip(ctx.tripId);
	}
}

const q = (hash: string, seq: number, bytes: Uint8Array | null, reason: string, at: number): QuarantineEntry => ({
	hash,
	seq,
	source: 'server',
	reason,
	bytes,
	at,
});

async function syncName(ctx: CycleContext, authed: Authed): Promise<void> {
	if (ctx.info?.role !== 'owner' && ctx.info?.role !== 'editor') return;
	const name = ctx.docName()?.trim();
	// trips.name is never blank (create_trip refuses it): a document without a name keeps the last one.
	if (!name) return;
	const meta = await ctx.store.trip(ctx.tripId);
	if (name === meta.serverName) return;
	await authed(() => ctx.server.setTripName(ctx.tripId, name.slice(0, 200)));
	await ctx.store.updateTrip(ctx.tripId, { serverName: name });
}

async function maybeUploadSnapshot(ctx: CycleContext, report: CycleReport, authed: Authed): Promise<void> {
	if (ctx.info?.role !== 'owner' && ctx.info?.role !== 'editor') return;
	const meta = await ctx.store.trip(ctx.tripId);
	// The service worker's catch-up moves the cursor over changes it stored for the Repo to load:
	// until this document has merged them, a save of it is not the log at the cursor.
	if (meta.cursorHash !== null && ctx.doc.change(meta.cursorHash) === null) return;
	const heads = ctx.doc.heads();
	const exact =
		(await ctx.store.pendingCount(ctx.tripId)) === 0 &&
		ctx.doc.missingDeps().length === 0 &&
		(await ctx.store.quarantined(ctx.tripId)).length === 0;
	const input = {
		cursor: meta.cursor,
		serverSnapshotSeq: Math.max(ctx.info.snapshotSeq, (await ctx.store.snapshotDigest(ctx.tripId))?.seq ?? 0),
		bytesSinceSnapshot: meta.bytesSinceSnapshot,
		holdsExactlyLog: exact,
	};
	if (!shouldUploadSnapshot(input)) return;
	const data = ctx.doc.save();
	// An edit captured while saving would make the save more than the log at `cursor`.
	if (ctx.doc.heads().join() !== heads.join()) return;
	await authed(() => ctx.server.putSnapshot(ctx.tripId, meta.cursor, data));
	await ctx.store.updateTrip(ctx.tripId, { bytesSinceSnapshot: 0 });
	await ctx.store.setSnapshotDigest(ctx.tripId, { seq: meta.cursor, heads, at: Date.now() });
	report.snapshotUploaded = true;
	report.bytesUp += data.byteLength;
}
