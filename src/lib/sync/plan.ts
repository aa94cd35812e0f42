// Pure planning steps of a sync cycle: which change sets go in which push, whether to catch up
// from a snapshot or the tail, when to upload a snapshot, how long to back off.

/** The server's limits per push_changes call (B2): 1,000 change sets, 4 MiB of change bytes. */
export const MAX_PUSH_CHANGES = 1000;
export const MAX_PUSH_BYTES = 4 * 1024 * 1024;
/** The server refuses any single change set above 1 MiB. */
export const MAX_CHANGE_BYTES = 1024 * 1024;

export interface OutboxChange {
	hash: string;
	bytes: Uint8Array;
	deps: readonly string[];
}

/**
 * Orders change sets causally (a change after every one of its dependencies in the set; otherwise
 * the given order is kept) and cuts the result into pushes within the server's limits. A change
 * above the per-change limit gets a batch of its own, so the server's refusal names it alone.
 */
export function planPushBatches<T extends OutboxChange>(
	changes: readonly T[],
	limits = { maxChanges: MAX_PUSH_CHANGES, maxBytes: MAX_PUSH_BYTES },
): T[][] {
	const ordered = causalOrder(changes);
	const batches: T[][] = [];
	let current: T[] = [];
	let bytes = 0;
	for (const change of ordered) {
		const size = change.bytes.byteLength;
		if (current.length > 0 && (current.length >= limits.maxChanges || bytes + size > limits.maxBytes)) {
			batches.push(current);
			current = [];
			bytes = 0;
		}
		current.push(change);
		bytes += size;
	}
	if (current.length > 0) batches.push(current);
	return batches;
}

/** Kahn's algorithm over the dependencies inside the set, stable in the input order. */
export function causalOrder<T extends OutboxChange>(changes: readonly T[]): T[] {
	const byHash = new Map(changes.map((c) => [c.hash, c]));
	const placed = new Set<string>();
	const out: T[] = [];
	const visiting = new Set<string>();
	// Depth-first from each change in input order: its in-set dependencies first.
	const visit = (c: T) => {
		if (placed.has(c.hash) || visiting.has(c.hash)) return;
		visiting.add(c.hash);
		for (const dep of c.deps) {
			const d = byHash.get(dep);
			if (d) visit(d);
		}
		visiting.delete(c.hash);
		placed.add(c.hash);
		out.push(c);
	};
	for (const c of changes) visit(c);
	return out;
}

/** Snapshots are uploaded once a trip has this many changes, or bytes, past the last one. */
export const SNAPSHOT_EVERY_CHANGES = 500;
export const SNAPSHOT_EVERY_BYTES = 256 * 1024;

export interface SnapshotUploadInput {
	/** Highest seq this client has merged (its document holds exactly the log up to it). */
	cursor: number;
	serverSnapshotSeq: number;
	/** Change bytes this client saw go into the log past the server's snapshot. */
	bytesSinceSnapshot: number;
	/** Anything local not yet in the log, or gaps: then the document is not the log at `cursor`. */
	holdsExactlyLog: boolean;
}

export function shouldUploadSnapshot(s: SnapshotUploadInput): boolean {
	if (!s.holdsExactlyLog || s.cursor <= s.serverSnapshotSeq) return false;
	return s.cursor - s.serverSnapshotSeq >= SNAPSHOT_EVERY_CHANGES || s.bytesSinceSnapshot >= SNAPSHOT_EVERY_BYTES;
}

export interface CatchUpInput {
	cursor: number;
	/** The log's last seq (sync_status). */
	lastSeq: number;
	/** The seq the server's latest snapshot covers (0: none). */
	snapshotSeq: number;
}

/**
 * Whether to fetch the snapshot before pulling the tail. A snapshot is one compressed save of the
 * document; it is fewer bytes than the change sets it covers once they number a few hundred
 * (column compression across changes), so it pays when it covers at least SNAPSHOT_EVERY_CHANGES
 * change sets we do not have. Below that the tail is cheap and needs no trust decision.
 */
export function chooseCatchUp(s: CatchUpInput): 'snapshot' | 'tail' | 'none' {
	if (s.lastSeq <= s.cursor) return 'none';
	return s.snapshotSeq - s.cursor >= SNAPSHOT_EVERY_CHANGES ? 'snapshot' : 'tail';
}

/** Exponential backoff with full jitter: a random delay in [base/2, min(cap, base·2^attempt)]. */
export function backoffDelay(attempt: number, random: number, baseMs = 500, capMs = 30_000): number {
	const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
	const floor = Math.min(ceiling, baseMs / 2);
	return Math.round(floor + random * (ceiling - floor));
}

/** Whether two sets of heads are the same, ignoring order. */
export function sameHeads(a: readonly string[], b: readonly string[]): boolean {
	if (a.length !== b.length) return false;
	const set = new Set(a);
	return b.every((h) => set.has(h));
}
