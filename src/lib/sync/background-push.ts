// The service worker's push: every trip's outbox, straight from the SyncStore's bytes, without a
// Repo or Automerge. Under the same per-trip Web Lock as the windows' cycles, so a window that
// wakes up meanwhile waits and then finds the outbox already acknowledged.
import type { BackgroundTripReport } from './background-messages';
import { isServerCallError } from './errors';
import { tripLockName, withLock } from './lock';
import { planPushBatches } from './plan';
import type { TripServer } from './server';
import type { SyncStore } from './store';

export interface BackgroundContext {
	userId: string;
	server: TripServer;
	store: SyncStore;
	scope?: string;
	/** Called once per trip as soon as it is done (the worker forwards it as SYNC_PROGRESS). */
	onTrip?: (report: BackgroundTripReport) => void;
}

/** A trip the worker creates before its first push; the window's next cycle sets the real name. */
const PLACEHOLDER_NAME = 'Untitled trip';

/** Runs `fn` and, on a 401, refreshes the session (under supabase-js's shared lock) and tries once more. */
export async function withRefresh<T>(server: TripServer, fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (e) {
		if (!isServerCallError(e) || e.class.kind !== 'unauthorized') throw e;
		if (!(await server.refreshSession())) throw e;
		return fn();
	}
}

/** Pushes every trip's pending change sets; one report per trip that had any. */
export async function pushAllOutboxes(ctx: BackgroundContext): Promise<BackgroundTripReport[]> {
	const reports: BackgroundTripReport[] = [];
	for (const meta of await ctx.store.trips()) {
		if (meta.revoked || (await ctx.store.pendingCount(meta.tripId)) === 0) continue;
		const report: BackgroundTripReport = { tripId: meta.tripId, pushed: 0, pulled: 0, chunks: [], error: null };
		try {
			report.pushed = await withLock(tripLockName(ctx.userId, meta.tripId, ctx.scope), () =>
				pushTrip(ctx, meta.tripId),
			);
		} catch (e) {
			// One trip's refusal (a missing dependency, a removed member) must not stop the others;
			// the window's next cycle sorts it out with the document at hand.
			report.error = e instanceof Error ? e.message : String(e);
		}
		reports.push(report);
		ctx.onTrip?.(report);
	}
	return reports;
}

async function pushTrip({ server, store }: BackgroundContext, tripId: string): Promise<number> {
	// Read again under the lock: a window may have pushed while we waited.
	const outbox = await store.outbox(tripId);
	if (outbox.length === 0) return 0;
	const meta = await store.trip(tripId);
	if (meta.createdHere && !meta.serverCreated) {
		const name = meta.serverName ?? PLACEHOLDER_NAME;
		await withRefresh(server, () => server.createTrip(tripId, name));
		await store.updateTrip(tripId, { serverCreated: true, serverName: name });
	}
	let pushed = 0;
	for (const batch of planPushBatches(outbox)) {
		await withRefresh(server, () =>
			server.push(
				tripId,
				batch.map((e) => e.bytes),
			),
		);
		const bytes = batch.reduce((n, e) => n + e.bytes.byteLength, 0);
		await store.acknowledge(
			tripId,
			batch.map((e) => ({ actor: e.actor, seq: e.seq, hash: e.hash })),
			bytes,
		);
		pushed += batch.length;
	}
	return pushed;
}
