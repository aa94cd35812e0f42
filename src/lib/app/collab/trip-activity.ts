// A trip's conflicts and "what changed since you last looked", for its page. Both are kept current
// from each change's patches (ConflictIndex, ChangedSince in $lib/trip): a full scan only on open.
// Who made a change is the author the server recorded for its hash (TripSync.authors), never the
// document's own claim; our own changes (our actors, our pushes) are never "changed by others".
import * as A from '@automerge/automerge';
import type { DocHandle } from '@automerge/automerge-repo';
import type { TripSync } from '$lib/sync';
import {
	ChangedSince,
	ConflictIndex,
	resolveConflict,
	type ChangedEntity,
	type Conflict,
	type TripDoc,
} from '$lib/trip';
import { runOp } from '../trip-ops';

export interface ChangedByOthers extends ChangedEntity {
	/** Who changed it (server-recorded user ids), never empty; "someone" when not known yet. */
	authors: string[];
}

const seenKey = (userId: string, tripId: string) => `tripmate-seen:${userId}:${tripId}`;

export interface Activity {
	conflicts: Conflict[];
	changed: ChangedByOthers[];
	/** Conflict value actor → the author the server recorded for that actor's changes. */
	actorAuthors: ReadonlyMap<string, string>;
}

/** Plain TypeScript (no runes): the component keeps what `onUpdate` hands it in its own state. */
export class TripActivity {
	readonly tripId: string;
	readonly #onUpdate: (a: Activity) => void;
	#actorAuthors: ReadonlyMap<string, string> = new Map();
	readonly #sync: TripSync;
	#handle: DocHandle<TripDoc> | null = null;
	#conflicts: ConflictIndex | null = null;
	#changes: ChangedSince | null = null;
	#authors = new Map<string, string>();
	#ownActors = new Set<string>();
	#heads: A.Heads = [];
	#authorsTimer: ReturnType<typeof setTimeout> | undefined;
	#unsubscribe: () => void = () => {};
	#closed = false;

	constructor(sync: TripSync, tripId: string, onUpdate: (a: Activity) => void) {
		this.#sync = sync;
		this.tripId = tripId;
		this.#onUpdate = onUpdate;
	}

	async open(): Promise<void> {
		const handle = await this.#sync.open<TripDoc>(this.tripId);
		if (this.#closed) return;
		this.#handle = handle;
		const doc = handle.doc();
		this.#conflicts = new ConflictIndex(doc);
		this.#changes = this.#trackerFrom(doc);
		this.#ownActors = await this.#sync.store.actors();
		await this.#loadAuthors();
		this.#heads = A.getHeads(doc);
		// Heads, not 'change': automerge-repo emits 'change' only when A.diff finds patches, and a
		// write settling a conflict on the value already shown has none, yet the conflict is gone.
		handle.on('heads-changed', this.#onHeads);
		// Each finished sync of this trip may have stored authors for what it pulled.
		let last: number | null = null;
		this.#unsubscribe = this.#sync.state.subscribe((s) => {
			const at = s.trips[this.tripId]?.lastSyncedAt ?? null;
			if (at === last) return;
			last = at;
			this.#scheduleAuthors();
		});
		this.#publish(doc);
	}

	close(): void {
		this.#closed = true;
		clearTimeout(this.#authorsTimer);
		this.#unsubscribe();
		this.#handle?.off('heads-changed', this.#onHeads);
		this.#handle = null;
	}

	/** Everything changed so far counts as seen (on this device). */
	markAllSeen(): void {
		const doc = this.#handle?.doc();
		if (!doc) return;
		const heads = A.getHeads(doc);
		localStorage.setItem(seenKey(this.#sync.userId, this.tripId), JSON.stringify(heads));
		this.#changes = ChangedSince.open(doc, heads);
		this.#publish(doc);
	}

	/** Settles a conflict on `value`: a write that has seen every concurrent one; it syncs. */
	async pick(conflict: Conflict, value: string | number | boolean | null): Promise<void> {
		await runOp(this.#sync, this.tripId, resolveConflict, { path: conflict.path, value });
	}

	#trackerFrom(doc: A.Doc<TripDoc>): ChangedSince | null {
		const key = seenKey(this.#sync.userId, this.tripId);
		let seen: A.Heads | null = null;
		try {
			seen = JSON.parse(localStorage.getItem(key) ?? 'null') as A.Heads | null;
		} catch {
			seen = null;
		}
		const tracker = seen ? ChangedSince.open(doc, seen) : null;
		if (tracker) return tracker;
		// First look on this device (or heads from nowhere): everything there is, is seen.
		const now = A.getHeads(doc);
		localStorage.setItem(key, JSON.stringify(now));
		return ChangedSince.open(doc, now);
	}

	readonly #onHeads = ({ doc }: { doc: A.Doc<TripDoc> }) => {
		const before = this.#heads;
		this.#heads = A.getHeads(doc);
		const patches = A.diff(doc, before, this.#heads);
		this.#conflicts?.update(doc, patches);
		this.#changes?.update(doc, before, patches);
		this.#publish(doc);
		this.#scheduleAuthors();
	};

	/**
	 * Authors of pulled changes are stored with the pull that brought them, which records them
	 * after the merge fires the change event: read them again once that cycle is over.
	 */
	#scheduleAuthors(): void {
		clearTimeout(this.#authorsTimer);
		this.#authorsTimer = setTimeout(() => {
			void this.#loadAuthors().then(() => this.#handle && this.#publish(this.#handle.doc()));
		}, 150);
	}

	async #loadAuthors(): Promise<void> {
		this.#authors = await this.#sync.authors(this.tripId);
	}

	/** The author of a change: the server's record, else us for our own actors, else unknown. */
	#authorOf(doc: A.Doc<TripDoc>, hash: string): string | null {
		const known = this.#authors.get(hash);
		if (known) return known;
		try {
			const bytes = A.getBackend(doc).getChangeByHash(hash);
			if (!bytes) return null;
			const change = A.decodeChange(bytes);
			return this.#ownActors.has(change.actor) ? this.#sync.userId : null;
		} catch {
			return null;
		}
	}

	#publish(doc: A.Doc<TripDoc>): void {
		const conflicts = this.#conflicts?.list() ?? [];
		const me = this.#sync.userId;
		const out: ChangedByOthers[] = [];
		for (const entity of this.#changes?.list(doc) ?? []) {
			const authors = entity.hashes.map((h) => this.#authorOf(doc, h));
			if (authors.every((a) => a === me)) continue;
			const others = [...new Set(authors.filter((a): a is string => a !== null && a !== me))];
			out.push({ ...entity, authors: others.length ? others : ['someone'] });
		}
		if (conflicts.length) this.#actorAuthors = this.#actorAuthorsOf(doc, conflicts);
		this.#onUpdate({ conflicts, changed: out, actorAuthors: this.#actorAuthors });
	}

	#actorAuthorsOf(doc: A.Doc<TripDoc>, conflicts: Conflict[]): Map<string, string> {
		const wanted = new Set(conflicts.flatMap((c) => c.values.map((v) => v.actor)));
		const out = new Map<string, string>();
		for (const actor of wanted) if (this.#ownActors.has(actor)) out.set(actor, this.#sync.userId);
		// An actor is bound to one author on the server (trip_actors): any of its changes names it.
		for (const meta of A.getChangesMetaSince(doc, [])) {
			if (!wanted.has(meta.actor) || out.has(meta.actor)) continue;
			const author = this.#authors.get(meta.hash);
			if (author) out.set(meta.actor, author);
		}
		return out;
	}
}
