// One open trip on this device: its document handle, the capture of local edits into the outbox,
// the Realtime hints, and the scheduler that runs sync cycles one at a time (leading edge: an
// edit or a hint starts a cycle at once when none runs; while one runs, every trigger coalesces
// into at most one more).
import * as A from '@automerge/automerge';
import type { DocHandle, Repo } from '@automerge/automerge-repo';
import { runCycle, type CycleReport, type ServerInfo } from './cycle';
import { isServerCallError } from './errors';
import { EditCapture } from './capture';
import { handleDoc, type LocalDoc } from './local-doc';
import { withLock, tripLockName } from './lock';
import { RetryState, type RetryOptions } from './retry';
import type { HintSubscription, TripServer } from './server';
import type { SyncProblem, SyncRun, SyncStatus } from './state';
import type { PullRecord, SyncStore, TripMeta } from './store';

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

export class Replica {
	readonly #d: ReplicaDeps;
	readonly #doc: LocalDoc;
	readonly #retry: RetryState;
	#running: Promise<void> | null = null;
	#again: string | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#retryFired: Promise<void> = Promise.resolve();
	#hints: HintSubscription | null = null;
	#hintsBroken = false;
	#stopped = false;
	#publishes = 0;
	#info: ServerInfo | null = null;
	/** A lower bound of the stored cursor: a hint at or below it needs nothing, not even a read. */
	#knownCursor = 0;
	#state: ReplicaState;
	readonly #edits: EditCapture;
	readonly #onHeads = () => this.#edits.onHeads();
	/** The store as the cycle uses it, telling this replica where the cursor moved. */
	readonly #cursorWatch: SyncStore;

	constructor(deps: ReplicaDeps) {
		this.#d = deps;
		this.#edits = new EditCapture({
			tripId: deps.tripId,
			handle: deps.handle,
			store: deps.store,
			onAdded: () => this.request('edit'),
		});
		this.#doc = this.#edits.wrap(handleDoc(deps.repo, deps.handle));
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
		this.#knownCursor = meta.cursor;
		const doc = handle.doc();
		// A document missing what the cursor claims (storage lost a write) or with missing
		// dependencies re-pulls from the start: pulling again is harmless, skipping is not.
		const lost = meta.cursorHash !== null && !A.hasHeads(doc, [meta.cursorHash]);
		if (lost || (meta.cursor > 0 && A.getMissingDeps(doc, []).length > 0)) {
			await store.updateTrip(tripId, { cursor: 0, cursorHash: null });
			this.#knownCursor = 0;
		}
		await this.#edits.start(meta, recorded, marker);
		// The outbox row is written before the Repo's debounced save of the document: a reload or
		// crash in between leaves own edits in the outbox that the stored document lacks. They are
		// this device's and durable, so they go back into the document (and the user's screen).
		const lacking = (await store.outbox(tripId)).filter((e) => !this.#doc.change(e.hash));
		if (lacking.length > 0) {
			this.#doc.applyBatch(lacking.map((e) => e.bytes));
			await this.#doc.persist();
		}
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
	ensureActor(): Promise<void> {
		return this.#edits.ensureActor();
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

	/** Asks for a sync cycle: now if none runs, else once more after the current one. */
	request(trigger: string): void {
		if (this.#stopped) return;
		if (!this.#d.isOnline()) {
			void this.#publish({ status: { kind: 'offline' } });
			return;
		}
		if (this.#running) {
			// Coalesced into one more cycle; a trigger that refreshes the server's view (a rejoin,
			// coming online) is kept over a plain edit or hint, whose cycle would skip the refresh.
			if (!this.#again || !REFRESHING_TRIGGERS.has(this.#again)) this.#again = trigger;
			return;
		}
		// A scheduled retry is pending: user-driven triggers go now; others wait for the timer.
		if (this.#timer && !['manual', 'online', 'edit'].includes(trigger)) return;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#running = this.#loop(trigger).finally(() => {
			this.#running = null;
			// A trigger that came after the loop's last look at #again, before this ran, would be
			// lost (a hint with nothing after it to start a cycle): run it now.
			const again = this.#again;
			this.#again = null;
			if (again) this.request(again);
		});
	}

	/**
	 * Resolves once no cycle runs and none is queued, without waiting for a scheduled retry: what
	 * shutdown waits for, so it cannot hang on a failing network (the outbox keeps what is unpushed).
	 */
	async settle(): Promise<void> {
		for (;;) {
			await this.#edits.captured;
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
			await this.#edits.captured;
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
					captured: () => this.#edits.captured,
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
