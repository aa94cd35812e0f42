// Keeps the list's summaries in step with the documents this tab touches: every trip document the
// Repo holds, when it changes (the trip page's edits, pulled changes, a new trip) is summarised once per
// burst of changes, so the list itself never reads whole documents to render.
import type { DocHandle } from '@automerge/automerge-repo';
import type { TripSync } from '$lib/sync';
import { documentIdToTripId } from '$lib/trip';
import { summarize, type TripSummary } from './summary';
import { SummaryStore } from './summary-store';

/** Long enough to fold a burst of edits (typing) into one summary, short enough to feel live. */
const SETTLE_MS = 250;

export class SummaryWatcher {
	readonly store: SummaryStore;
	readonly #sync: TripSync;
	readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
	readonly #listeners = new Set<(summary: TripSummary) => void>();
	readonly #watched = new WeakSet<DocHandle<unknown>>();
	readonly #roles = new Map<string, TripSummary['role']>();
	#stopped = false;
	readonly #unsubscribe: () => void;

	constructor(sync: TripSync) {
		this.#sync = sync;
		this.store = new SummaryStore(sync.userId);
		// automerge-repo 2.5 announces no new handles (its 'document' event is never emitted), but
		// every trip the engine opens or edits publishes sync state: look for new handles then.
		this.#unsubscribe = sync.state.subscribe(() => {
			for (const handle of Object.values(sync.repo.handles)) this.#watch(handle);
		});
	}

	/** Called with every summary written. */
	onSummary(listener: (summary: TripSummary) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The role the server gave, kept with the next summary so an offline list still shows it. */
	setRole(tripId: string, role: TripSummary['role']): void {
		this.#roles.set(tripId, role);
	}

	/** Summarises a document now and stores the result. */
	async refresh(tripId: string, doc: unknown, role?: TripSummary['role']): Promise<TripSummary | null> {
		if (this.#stopped) return null;
		const meta = await this.#sync.store.trip(tripId);
		const summary = summarize(tripId, doc, meta.cursor, role ?? this.#roles.get(tripId) ?? null);
		if (!summary || this.#stopped) return summary;
		await this.store.put(summary);
		for (const l of this.#listeners) l(summary);
		return summary;
	}

	stop(): void {
		this.#stopped = true;
		this.#unsubscribe();
		for (const t of this.#timers.values()) clearTimeout(t);
		this.#timers.clear();
		void this.store.close();
	}

	#watch(handle: DocHandle<unknown>): void {
		if (this.#watched.has(handle)) return;
		this.#watched.add(handle);
		const tripId = documentIdToTripId(handle.documentId);
		if (!tripId) return; // not a trip document
		handle.on('heads-changed', () => this.#schedule(tripId, handle));
		// Once per handle and session, even without a change: a summary may be missing or old.
		this.#schedule(tripId, handle);
	}

	#schedule(tripId: string, handle: DocHandle<unknown>): void {
		clearTimeout(this.#timers.get(tripId));
		this.#timers.set(
			tripId,
			setTimeout(() => {
				this.#timers.delete(tripId);
				if (!handle.isReady()) return;
				void this.refresh(tripId, handle.doc()).catch(() => {});
			}, SETTLE_MS),
		);
	}
}
