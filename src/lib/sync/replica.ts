// One open trip on this device: its document handle, the capture of local edits into the outbox,
// the Realtime hints, and the scheduler that runs sync cycles one at a time (leading edge: an
// edit or a hint starts a cycle at once when none runs; while one runs, every trigger coalesces
// into at most one more).
import * as A from '@automerge/automerge';
import type { DocHandle, Repo } from '@automerge/automerge-repo';
import { runCycle, type CycleReport, type ServerInfo } from './cycle';
import { isServerCallError } from './errors';
import { handleDoc, pushableSince, type LocalDoc } from './local-doc';
import { withLock, tripLockName } from './lock';
import { RetryState, type RetryOptions } from './retry';
import type { HintSubscription, TripServer } from './server';
import type { SyncProblem, SyncRun, SyncStatus } from './state';
import type { PullRecord, ScanMarker, SyncStore, TripMeta } from './store';

/** Remote changes applied since the last ScanMarker after which the next persist writes a new one. */
const MARK_AFTER_REMOTE = 200;

export interface ReplicaDeps {
	tripId: string;
	userId: string;
	scope: string;
	repo: Repo;
	handle: DocHandle<unknown>;
	server: TripServer;
	store: SyncStore;
	retry: Partial<RetryOptions>;
	isOnline(): boolean;
	docName(doc: unknown): string | null;
	countConflicts?: (doc: unknown) => number;
	onState(patch: ReplicaState): void;
	onRun(run: SyncRun): void;
	/** Asks the composition root for fresh server info (sync_status) for this trip. */
	refreshInfo(): Promise<ServerInfo | null | 'absent'>;
}

export interface ReplicaState {
	status: SyncStatus;
	pending: number;
	quarantined: number;
	lastSyncedAt: number | null;
	lastError: SyncProblem | null;
	role: ServerInfo['role'] | null;
}

const REFRESHING_TRIGGERS = new Set(['start', 'online', 'joined', 'interval', 'visible', 'focus', 'manual']);

/**
 * Where a restart's scan for own changes may start: the marker's heads when the document has them
 * and every own actor was either known to the marker or recorded after it; else from nothing.
 */
export function scanFrom(doc: A.Doc<unknown>, marker: ScanMarker | null, recorded: Map<string, number>): string[] {
	if (!marker) return [];
	const known = new Set(marker.actors);
	for (const [actor, at] of recorded) if (!known.has(actor) && at <= marker.at) return [];
	return A.hasHeads(doc, marker.heads) ? marker.heads : [];
}

export class Replica {
	readonly #d: ReplicaDeps;
	readonly #doc: LocalDoc;
	readonly #retry: RetryState;
	#lastHeads: string[];
	#own = new Set<string>();
	#genesis: string | null = null;
	#capture: Promise<void> = Promise.resolve();
	#running: Promise<void> | null = null;
	#again: string | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#retryFired: Promise<void> = Promise.resolve();
	#hints: HintSubscription | null = null;
	#hintsBroken = false;
	#stopped = false;
	#applyingRemote = false;
	#publishes = 0;
	#info: ServerInfo | null = null;
	/** Heads up to which every local edit is in the outbox (the capture chain got there). */
	#scannedHeads: string[] = [];
	/** A capture failed: nothing after it may be claimed scanned in this session. */
	#scanBroken = false;
	#markedHeads = '';
	#remoteSinceMark = 0;
	#docStored = false;
	/** A lower bound of the stored cursor: a hint at or below it needs nothing, not even a read. */
	#knownCursor = 0;
	#state: ReplicaState;
	readonly #onHeads = () => this.#captureEdits();
	/** The store as the cycle uses it, telling this replica where the cursor moved. */
	readonly #cursorWatch: SyncStore;

	constructor(deps: ReplicaDeps) {
		this.#d = deps;
		this.#doc = this.#markingRemote(handleDoc(deps.repo, deps.handle));
		this.#retry = new RetryState(deps.retry);
		const store = deps.store;
		this.#cursorWatch = Object.assign(Object.create(store) as SyncStore, {
			recordPull: async (tripId: string, record: PullRecord) => {
				await store.recordPull(tripId, record);
				this.#knownCursor = Math.max(this.#knownCursor, record.cursor);
			},
			updateTrip: async (tripId: string, patch: Partial<Omit<TripMeta, 'tripId'>>) => {
				const next = await store.updateTrip(tripId, patch);
				this.#knownCursor = next.cursor;
				return next;
			},
		});
		this.#lastHeads = [];
		this.#state = {
			status: { kind: 'idle' },
			pending: 0,
			quarantined: 0,
			lastSyncedAt: null,
			lastError: null,
			role: null,
		};
	}

	get handle(): DocHandle<unknown> {
		return this.#d.handle;
	}
	get role(): ServerInfo['role'] | null {
		return this.#info?.role ?? null;
	}
	get stopped(): boolean {
		return this.#stopped;
	}

	/**
	 * Rebuilds the outbox from the document and what the server acknowledged, checks the cursor
	 * against the document, then listens for edits and hints.
	 */
	async start(): Promise<void> {
		const { store, tripId, handle } = this.#d;
		const [meta, recorded, marker] = await Promise.all([
			store.trip(tripId),
			store.actorsRecorded(),
			store.scanMarker(tripId),
		]);
		this.#genesis = meta.createdHere ? meta.genesisHash : null;
		this.#own = new Set(recorded.keys());
		this.#docStored = meta.docStored;
		this.#knownCursor = meta.cursor;
		const doc = handle.doc();
		// A document missing what the cursor claims (storage lost a write) or with missing
		// dependencies re-pulls from the start: pulling again is harmless, skipping is not.
		const lost = meta.cursorHash !== null && !A.hasHeads(doc, [meta.cursorHash]);
		if (lost || (meta.cursor > 0 && A.getMissingDeps(doc, []).length > 0)) {
			await store.updateTrip(tripId, { cursor: 0, cursorHash: null });
			this.#knownCursor = 0;
		}
		const heads = A.getHeads(doc);
		const since = scanFrom(doc, marker, recorded);
		await store.addToOutbox(tripId, pushableSince(doc, since, this.#own, this.#genesis), heads);
		this.#scannedHeads = heads;
		this.#markedHeads = heads.join();
		this.#lastHeads = heads;
		handle.on('heads-changed', this.#onHeads);
		this.#subscribeHints();
		await this.#publish({});
	}

	#subscribeHints(): void {
		const { tripId } = this.#d;
		this.#hintsBroken = false;
		this.#hints = this.#d.server.hints(tripId, (hint) => {
			if (this.#stopped) return;
			if (hint.kind === 'changes') {
				// A hint is a reason to pull, never data: one ahead of the cursor pulls (coalesced with
				// a running cycle); one this device already has is dropped before any async work.
				// (#knownCursor follows this replica's own cursor moves; another tab's leave it behind,
				// which costs at most one pull that finds nothing.)
				if (hint.toSeq > this.#knownCursor) this.request('hint');
			} else if (hint.kind === 'membership') void this.refreshInfo().then(() => this.request('membership'));
			else if (hint.kind === 'joined') this.request('joined');
			// Refused (e.g. a trip not yet created on the server): joined again after a good cycle.
			else this.#hintsBroken = true;
		});
	}

	/** The handle's current actor is recorded (durably) before any edit through it. */
	async ensureActor(): Promise<void> {
		const actor = A.getActorId(this.#d.handle.doc());
		if (this.#own.has(actor)) return;
		await this.#d.store.addActor(actor);
		this.#own.add(actor);
	}

	async refreshInfo(): Promise<void> {
		const info = await this.#d.refreshInfo();
		if (info === 'absent') {
			const meta = await this.#d.store.trip(this.#d.tripId);
			// A trip created here and not yet on the server is not absent, only new.
			if (meta.createdHere && !meta.serverCreated) return;
			await this.#revoke();
			return;
		}
		if (info) this.#info = info;
		await this.#publish({ role: this.#info?.role ?? null });
	}

	/**
	 * Pulled changes and snapshots come from the server's log: nothing in them is ever pushed again
	 * (the log has it already; own changes among them are acknowledged by the pull). While the cycle
	 * applies them the capture only moves its heads on, instead of scanning thousands of changes.
	 */
	#markingRemote(doc: LocalDoc): LocalDoc {
		const remote = <R>(fn: () => R): R => {
			this.#applyingRemote = true;
			try {
				return fn();
			} finally {
				this.#applyingRemote = false;
			}
		};
		return {
			...doc,
			applyBatch: (changes) => {
				this.#remoteSinceMark += changes.length;
				return remote(() => doc.applyBatch(changes));
			},
			mergeSnapshot: (data, heads) => {
				this.#remoteSinceMark += MARK_AFTER_REMOTE;
				return remote(() => doc.mergeSnapshot(data, heads));
			},
			persist: async () => {
				await doc.persist();
				// The trips list loads a trip's document only when it is known to be stored.
				if (!this.#docStored) {
					await this.#d.store.updateTrip(this.#d.tripId, { docStored: true });
					this.#docStored = true;
				}
				// After a large merge, a restart should not scan it again for own changes.
				if (this.#remoteSinceMark >= MARK_AFTER_REMOTE) await this.#mark();
			},
		};
	}

	/** Records how far the capture got (a ScanMarker), once every capture so far is stored. */
	async #mark(): Promise<void> {
		await this.#capture;
		const heads = this.#scannedHeads;
		if (this.#scanBroken || heads.join() === this.#markedHeads) return;
		this.#remoteSinceMark = 0;
		await this.#d.store.setScanned(this.#d.tripId, heads);
		this.#markedHeads = heads.join();
	}

	#captureEdits(): void {
		const doc = this.#d.handle.doc();
		const since = this.#lastHeads;
		const heads = A.getHeads(doc);
		this.#lastHeads = heads;
		const scanned = () => {
			this.#scannedHeads = heads;
		};
		if (this.#applyingRemote) {
			// Changes from the server's log: nothing to push, but the scan has got past them.
			this.#capture = this.#capture.then(scanned);
			return;
		}
		const current = A.getActorId(doc);
		const found = pushableSince(doc, since, new Set([...this.#own, current]), this.#genesis);
		const unknownActor = A.getChangesMetaSince(doc, since).some(
			(m) => !this.#own.has(m.actor) && m.hash !== this.#genesis,
		);
		this.#capture = this.#capture.then(async () => {
			// Another tab's actor: its record is in the shared store (made before its first change).
			if (unknownActor) {
				this.#own = await this.#d.store.actors();
				if (!this.#own.has(current)) this.#own.add(current);
			}
			// The document object captured above may be outdated by now; read the current one (a
			// superset: anything already in the outbox is skipped).
			const all = unknownActor ? pushableSince(this.#d.handle.doc(), since, this.#own, this.#genesis) : found;
			const added = await this.#d.store.addToOutbox(this.#d.tripId, all);
			scanned();
			if (added > 0) this.request('edit');
		});
		this.#capture = this.#capture.catch(() => {
			this.#scanBroken = true;
		});
	}

	/** Asks for a sync cycle: now if none runs, else once more after the current one. */
	request(trigger: string): void {
		if (this.#stopped) return;
		if (!this.#d.isOnline()) {
			void this.#publish({ status: { kind: 'offline' } });
			return;
		}
		if (this.#running) {
			this.#again = trigger;
			return;
		}
		// A scheduled retry is pending: user-driven triggers go now; others wait for the timer.
		if (this.#timer && !['manual', 'online', 'edit'].includes(trigger)) return;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#running = this.#loop(trigger).finally(() => {
			this.#running = null;
		});
	}

	/**
	 * Resolves once no cycle runs and none is queued, without waiting for a scheduled retry: what
	 * shutdown waits for, so it cannot hang on a failing network (the outbox keeps what is unpushed).
	 */
	async settle(): Promise<void> {
		for (;;) {
			await this.#capture;
			const running = this.#running;
			if (!running) return;
			await running.catch(() => {});
		}
	}

	/**
	 * Resolves once no cycle runs and none is queued, a scheduled retry included ("wait for sync"
	 * before sign-out, tests). While the server keeps failing it keeps waiting: callers bound it.
	 */
	async whenIdle(): Promise<void> {
		for (;;) {
			await this.#capture;
			const running = this.#running;
			if (running) {
				await running;
				continue;
			}
			if (!this.#timer || this.#stopped || !this.#d.isOnline()) return;
			await this.#retryFired;
		}
	}

	async #loop(trigger: string): Promise<void> {
		let next: string | null = trigger;
		while (next && !this.#stopped && this.#d.isOnline()) {
			this.#again = null;
			await this.#runOnce(next);
			next = this.#again;
		}
	}

	async #runOnce(trigger: string): Promise<void> {
		const startedAt = Date.now();
		const { tripId, userId, scope, server } = this.#d;
		// Not awaited: the push or pull must not wait for the state's counts (see #publish).
		void this.#publish({ status: { kind: 'syncing', since: startedAt } }).catch(() => {});
		let report: CycleReport | null = null;
		let error: unknown = null;
		try {
			// The catch-up choice (snapshot or tail) and the role need the server's current view after
			// anything that may have let the log move on without us: not on every edit or hint.
			if (!this.#info || REFRESHING_TRIGGERS.has(trigger)) await this.refreshInfo();
			if (this.#stopped) return;
			report = await withLock(tripLockName(userId, tripId, scope), () =>
				runCycle({
					tripId,
					userId,
					server,
					store: this.#cursorWatch,
					doc: this.#doc,
					info: this.#info,
					docName: () => this.#d.docName(this.#d.handle.doc()),
					captured: () => this.#capture,
				}),
			);
		} catch (e) {
			error = e;
		}
		const durationMs = Date.now() - startedAt;
		const problem = report?.problem ?? null;
		const base = {
			tripId,
			trigger,
			startedAt,
			durationMs,
			pushed: report?.pushed ?? 0,
			pulled: report?.pulled ?? 0,
			bytesUp: report?.bytesUp ?? 0,
			bytesDown: report?.bytesDown ?? 0,
			pushCalls: report?.pushCalls ?? 0,
			conflicts: this.#d.countConflicts?.(this.#d.handle.doc()) ?? 0,
			quarantined: report?.quarantined ?? 0,
		};
		if (error) {
			const retryable = isServerCallError(error) && error.class.kind === 'retry';
			const delay = this.#retry.failed();
			const until = this.#retry.openUntil;
			const message = error instanceof Error ? error.message : String(error);
			const p: SyncProblem = until
				? { kind: 'circuit-open', until, message: `server keeps failing; retrying at ${new Date(until).toISOString()}` }
				: isServerCallError(error) && error.failure.status > 0
					? { kind: 'server', status: error.failure.status, code: error.failure.code ?? '', message }
					: { kind: 'network', message };
			const retryAt = Date.now() + delay;
			if (!this.#stopped) {
				let fired!: () => void;
				this.#retryFired = new Promise<void>((resolve) => (fired = resolve));
				this.#timer = setTimeout(() => {
					this.#timer = null;
					this.request('retry');
					fired();
				}, delay);
			}
			this.#d.onRun({ ...base, outcome: 'error', error: `${retryable ? 'retryable' : 'failed'}: ${message}` });
			await this.#publish({ status: { kind: 'error', problem: p, retryAt }, lastError: p });
			return;
		}
		this.#retry.succeeded();
		if (this.#hintsBroken && !problem && !this.#stopped) {
			// realtime-js keeps one channel per topic and client: the old one must go first.
			const old = this.#hints;
			this.#hints = null;
			this.#hintsBroken = false;
			void (old?.close() ?? Promise.resolve()).then(() => {
				if (!this.#stopped) this.#subscribeHints();
			});
		}
		this.#d.onRun({ ...base, outcome: problem ? 'error' : 'ok', ...(problem ? { error: problem.message } : {}) });
		if (problem?.kind === 'removed') return this.#revoke();
		if (problem) {
			await this.#publish({ status: { kind: 'error', problem, retryAt: null }, lastError: problem });
			return;
		}
		await this.#publish({ status: { kind: 'synced', at: Date.now() }, lastSyncedAt: Date.now() });
	}

	/** Removed from the trip or the trip deleted: stop for good; the outbox stays for export. */
	async #revoke(): Promise<void> {
		await this.#d.store.updateTrip(this.#d.tripId, { revoked: 'removed' });
		const pending = await this.#d.store.pendingCount(this.#d.tripId);
		const problem: SyncProblem = {
			kind: 'removed',
			pending,
			message: 'you no longer have access to this trip (removed, or the trip was deleted)',
		};
		await this.stop();
		await this.#publish({ status: { kind: 'error', problem, retryAt: null }, lastError: problem }, true);
	}

	/**
	 * Publishes the state with the store's current counts. The patch applies at once, in call
	 * order; when calls overlap, only the latest reports (its counts are the freshest), so a cycle
	 * need not wait for the counts before it starts.
	 */
	async #publish(patch: Partial<ReplicaState>, force = false): Promise<void> {
		if (this.#stopped && !force) return;
		this.#state = { ...this.#state, ...patch };
		const call = ++this.#publishes;
		const [pending, quarantined] = await Promise.all([
			this.#d.store.pendingCount(this.#d.tripId),
			this.#d.store.quarantined(this.#d.tripId).then((q) => q.length),
		]);
		if (call !== this.#publishes) return;
		this.#state = { ...this.#state, pending, quarantined };
		this.#d.onState(this.#state);
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#retryFired = Promise.resolve();
		this.#d.handle.off('heads-changed', this.#onHeads);
		const hints = this.#hints;
		this.#hints = null;
		await hints?.close();
	}
}
