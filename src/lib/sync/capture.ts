// The capture of local edits into the outbox: every change of this device's actors that the server
// has not acknowledged is in the store before a cycle may push, in causal order, while changes that
// came from the server's log (a pull, a snapshot) are only stepped over. A ScanMarker records how
// far the capture got, so a restart scans only what is new.
import * as A from '@automerge/automerge';
import type { DocHandle } from '@automerge/automerge-repo';
import { pushableSince, type LocalDoc } from './local-doc';
import type { ScanMarker, SyncStore, TripMeta } from './store';

/** Remote changes applied since the last ScanMarker after which the next persist writes a new one. */
const MARK_AFTER_REMOTE = 200;

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

export interface EditCaptureDeps {
	tripId: string;
	handle: DocHandle<unknown>;
	store: SyncStore;
	/** New own changes reached the outbox: time to push. */
	onAdded(): void;
}

export class EditCapture {
	readonly #d: EditCaptureDeps;
	#lastHeads: string[] = [];
	#own = new Set<string>();
	#genesis: string | null = null;
	#capture: Promise<void> = Promise.resolve();
	#applyingRemote = false;
	/** Heads up to which every local edit is in the outbox (the capture chain got there). */
	#scannedHeads: string[] = [];
	/** A capture failed: nothing after it may be claimed scanned in this session. */
	#scanBroken = false;
	#markedHeads = '';
	#remoteSinceMark = 0;
	#docStored = false;

	constructor(deps: EditCaptureDeps) {
		this.#d = deps;
	}

	/** Settles once every capture so far is in the store (a cycle pushes only after it). */
	get captured(): Promise<void> {
		return this.#capture;
	}

	/** Rebuilds the outbox from the document: own changes since the marker (or all of them). */
	async start(meta: TripMeta, recorded: Map<string, number>, marker: ScanMarker | null): Promise<void> {
		const { store, tripId, handle } = this.#d;
		this.#genesis = meta.createdHere ? meta.genesisHash : null;
		this.#own = new Set(recorded.keys());
		this.#docStored = meta.docStored;
		const doc = handle.doc();
		const heads = A.getHeads(doc);
		const since = scanFrom(doc, marker, recorded);
		await store.addToOutbox(tripId, pushableSince(doc, since, this.#own, this.#genesis), heads);
		this.#scannedHeads = heads;
		this.#markedHeads = heads.join();
		this.#lastHeads = heads;
	}

	/** The handle's current actor is recorded (durably) before any edit through it. */
	async ensureActor(): Promise<void> {
		const actor = A.getActorId(this.#d.handle.doc());
		if (this.#own.has(actor)) return;
		await this.#d.store.addActor(actor);
		this.#own.add(actor);
	}

	/**
	 * Pulled changes and snapshots come from the server's log: nothing in them is ever pushed again
	 * (the log has it already; own changes among them are acknowledged by the pull). While the cycle
	 * applies them the capture only moves its heads on, instead of scanning thousands of changes.
	 */
	wrap(doc: LocalDoc): LocalDoc {
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

	/** The handle's heads moved: capture what is new, unless it came from the server's log. */
	onHeads(): void {
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
			if (added > 0) this.#d.onAdded();
		});
		this.#capture = this.#capture.catch(() => {
			this.#scanBroken = true;
		});
	}
}
