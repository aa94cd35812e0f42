// One open trip for its page: the engine's handle, the validated view re-read on every change of
// the document (local edits, other tabs over BroadcastChannel, Realtime-hinted pulls), and the edits
// the page offers, all through the trip model's operations (runOp → TripSync.change).
//
// Speed: `readTrip` is re-run per change, but every item, category and person whose view did not
// change keeps its previous object (memo.ts), so keyed lists update only the rows that changed.
import type * as A from '@automerge/automerge';
import type { DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo';
import type { TripSync } from '$lib/sync';
import {
	addCategory,
	addItem,
	addMember,
	editNotes,
	moveItem,
	personIdForUser,
	readTrip,
	removeItem,
	togglePacked,
	type CategoryId,
	type ItemId,
	type PersonId,
	type TripDoc,
	type TripOp,
	type TripView,
	type UserId,
} from '$lib/trip';
import { FALLBACK_CATEGORY, runOp, runOps, type OpCall } from './trip-ops';
import { itemsTouched, patchItems } from './trip/incremental';
import { reuseUnchanged } from './trip/memo';

/** How long a deleted item can be brought back before the removal is written. */
export const UNDO_MS = 6000;

export interface PendingDelete {
	itemId: ItemId;
	name: string;
}

export class TripPage {
	readonly tripId: string;
	view: TripView | null = $state.raw(null);
	error: string | null = $state(null);
	/** Items deleted on this screen whose removal waits for the undo window to pass. */
	deleting: PendingDelete[] = $state([]);
	/** The category the next added item goes to: the last one used. */
	lastCategory: CategoryId | null = $state(null);
	readonly me: PersonId;
	readonly #sync: TripSync;
	readonly #memberName: string;
	#handle: DocHandle<TripDoc> | null = null;
	#joining = false;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- timer handles, never rendered
	readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
	readonly #onChange = (change: DocHandleChangePayload<TripDoc>) => this.#read(change.patches);

	constructor(sync: TripSync, tripId: string, memberName: string) {
		this.#sync = sync;
		this.tripId = tripId;
		this.me = personIdForUser(sync.userId);
		this.#memberName = memberName;
	}

	async open(): Promise<void> {
		try {
			this.#handle = await this.#sync.open<TripDoc>(this.tripId);
			this.#handle.on('change', this.#onChange);
			this.#read();
		} catch (err) {
			this.error = messageOf(err);
		}
	}

	/** Stops following the document and writes any removal still waiting for its undo. */
	close(): void {
		for (const pending of this.deleting) this.#commitDelete(pending.itemId);
		this.#handle?.off('change', this.#onChange);
		this.#handle = null;
	}

	/** Runs one operation of the trip model; false (with `error` set) when it was refused. */
	run<Args>(op: TripOp<Args>, args: Args): Promise<boolean> {
		return this.#edit(() => runOp(this.#sync, this.tripId, op, args, this.#ctx()).then(() => undefined));
	}

	/** Several operations as one change (e.g. a rule edited: removed and added at once). */
	runAll(calls: OpCall[]): Promise<boolean> {
		return this.#edit(() => runOps(this.#sync, this.tripId, calls, this.#ctx()));
	}

	/** Adds an item; with no category chosen (a trip without any), creates the fallback one first. */
	async addItem(name: string, categoryId: string | null): Promise<boolean> {
		return this.#edit(async () => {
			let category = categoryId as CategoryId | null;
			if (!category) {
				const made = await runOp(this.#sync, this.tripId, addCategory, { name: FALLBACK_CATEGORY }, this.#ctx());
				category = made.id ?? null;
			}
			if (!category) throw new Error('no category to add the item to');
			await runOp(this.#sync, this.tripId, addItem, { name, categoryId: category }, this.#ctx());
			this.lastCategory = category;
		});
	}

	/**
	 * The item's one checkbox in the category view: ticks it as packed by me (or by its owner), or
	 * unticks it for everyone who packed it, since the box shows "packed by anyone".
	 */
	async togglePacked(itemId: string): Promise<boolean> {
		const item = this.view?.items[itemId];
		if (!item) return false;
		const id = itemId as ItemId;
		if (!item.packed) {
			return this.run(togglePacked, {
				itemId: id,
				personId: item.owner === 'shared' ? this.me : undefined,
				packed: true,
			});
		}
		const who = item.owner === 'shared' ? item.packedBy : [undefined];
		return this.runAll(who.map((personId) => [togglePacked, { itemId: id, personId, packed: false }] as OpCall));
	}

	/** Ticks a shared item for one person (or a personal item for its owner). */
	tickFor(itemId: string, personId: PersonId | undefined, packed: boolean): Promise<boolean> {
		return this.run(togglePacked, { itemId: itemId as ItemId, personId, packed });
	}

	/** Moves an item one place up (-1) or down (+1) within its category (keyboard reordering). */
	moveItemBy(itemId: ItemId, delta: -1 | 1): Promise<boolean> {
		const item = this.view?.items[itemId];
		const category = this.view?.categories.find((c) => c.id === item?.categoryId);
		if (!item || !category) return Promise.resolve(false);
		const ids = category.itemIds.filter((id) => !this.#timers.has(id));
		const at = ids.indexOf(itemId);
		const to = at + delta;
		if (at < 0 || to < 0 || to >= ids.length) return Promise.resolve(false);
		// Placed before the item that will follow it: for a move down, the one after its new neighbour.
		const before = delta < 0 ? ids[to] : (ids[to + 1] ?? null);
		return this.run(moveItem, { itemId, beforeItemId: before ?? null });
	}

	/** Drag and drop: puts an item before another (or at the end of a category). */
	dropItem(itemId: ItemId, toCategoryId: CategoryId, beforeItemId: ItemId | null): Promise<boolean> {
		if (itemId === beforeItemId) return Promise.resolve(false);
		return this.run(moveItem, { itemId, toCategoryId, beforeItemId });
	}

	/** Hides the item now and removes it after the undo window, unless `undoDelete` comes first. */
	deleteItem(itemId: ItemId): void {
		const item = this.view?.items[itemId];
		if (!item || this.#timers.has(itemId)) return;
		this.deleting = [...this.deleting, { itemId, name: item.name }];
		this.#timers.set(
			itemId,
			setTimeout(() => this.#commitDelete(itemId), UNDO_MS),
		);
	}

	undoDelete(itemId: ItemId): void {
		clearTimeout(this.#timers.get(itemId));
		this.#timers.delete(itemId);
		this.deleting = this.deleting.filter((d) => d.itemId !== itemId);
	}

	/** One edit of the notes as the textarea made it, so concurrent typing merges per character. */
	spliceNotes(index: number, deleteCount: number, insert: string): Promise<boolean> {
		return this.run(editNotes, { index, deleteCount, insert });
	}

	/** The trip's role for me, from the engine's state (null until the server said). */
	get role(): string | null {
		return this.#sync.state.get().trips[this.tripId]?.role ?? null;
	}

	#commitDelete(itemId: ItemId): void {
		clearTimeout(this.#timers.get(itemId));
		this.#timers.delete(itemId);
		this.deleting = this.deleting.filter((d) => d.itemId !== itemId);
		if (this.view?.items[itemId]) void this.run(removeItem, { itemId });
	}

	#ctx() {
		return this.view?.peopleById[this.me] ? { by: this.me } : {};
	}

	async #edit(step: () => Promise<void>): Promise<boolean> {
		try {
			await step();
			this.error = null;
			return true;
		} catch (err) {
			this.error = messageOf(err);
			return false;
		}
	}

	/** Re-reads the view: from the patches when they touched only items' own fields, else whole. */
	#read(patches?: A.Patch[]): void {
		const doc = this.#handle?.doc();
		if (!doc) return;
		const started = performance.now();
		const prev = this.view;
		const ids = prev && patches ? itemsTouched(patches, prev) : null;
		this.view = (prev && ids && patchItems(prev, doc, ids)) || reuseUnchanged(prev, readTrip(doc));
		// For the app bench (bench/app/local-edit.ts): how much of an edit's time is this read.
		performance.measure('tripmate:view-read', { start: started });
		void this.#join();
	}

	/** A member who opens a trip they were invited to appears on it as a person (once). */
	async #join(): Promise<void> {
		const view = this.view;
		if (!view?.tripId || view.peopleById[this.me] || this.#joining) return;
		if (this.role === 'viewer') return;
		this.#joining = true;
		try {
			await runOp(this.#sync, this.tripId, addMember, { userId: this.#sync.userId as UserId, name: this.#memberName });
		} catch {
			// Refused (e.g. read-only after all): ticking shared items then waits for a person.
		} finally {
			this.#joining = false;
		}
	}
}

function messageOf(err: unknown): string {
	return err instanceof Error && err.message ? err.message : String(err);
}
