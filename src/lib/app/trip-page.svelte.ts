// One open trip for its page: the engine's handle, the validated view re-read on every change of
// the document (local edits, other tabs over BroadcastChannel, Realtime-hinted pulls), and the
// few edits the first page offers: add an item, tick it.
import type { DocHandle } from '@automerge/automerge-repo';
import type { TripSync, TripSyncState } from '$lib/sync';
import {
	addCategory,
	addItem,
	addMember,
	personIdForUser,
	readTrip,
	togglePacked,
	type CategoryId,
	type ItemId,
	type PersonId,
	type TripDoc,
	type TripView,
	type UserId,
} from '$lib/trip';
import { FALLBACK_CATEGORY, runOp } from './trip-ops';

export class TripPage {
	readonly tripId: string;
	view: TripView | null = $state.raw(null);
	error: string | null = $state(null);
	readonly #sync: TripSync;
	readonly #me: PersonId;
	readonly #memberName: string;
	#handle: DocHandle<TripDoc> | null = null;
	#joining = false;
	readonly #onChange = () => this.#read();

	constructor(sync: TripSync, tripId: string, memberName: string) {
		this.#sync = sync;
		this.tripId = tripId;
		this.#me = personIdForUser(sync.userId);
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

	/** Stops following the document; the engine keeps syncing the trip while the app runs. */
	close(): void {
		this.#handle?.off('change', this.#onChange);
		this.#handle = null;
	}

	/** The trip's sync state (from the engine's overall state). */
	stateOf(trips: Record<string, TripSyncState>): TripSyncState | null {
		return trips[this.tripId] ?? null;
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
		});
	}

	/**
	 * Ticks an item as packed by me, or unticks it for everyone who packed it (the checkbox shows
	 * "packed by anyone", so unticking must clear every tick to turn it off).
	 */
	async togglePacked(itemId: string): Promise<boolean> {
		const item = this.view?.items[itemId];
		if (!item) return false;
		return this.#edit(async () => {
			const id = itemId as ItemId;
			if (!item.packed) {
				await runOp(
					this.#sync,
					this.tripId,
					togglePacked,
					{ itemId: id, personId: this.#personFor(item.owner), packed: true },
					this.#ctx(),
				);
				return;
			}
			const who = item.owner === 'shared' ? item.packedBy : [undefined];
			for (const personId of who)
				await runOp(this.#sync, this.tripId, togglePacked, { itemId: id, personId, packed: false }, this.#ctx());
		});
	}

	#personFor(owner: string): PersonId | undefined {
		return owner === 'shared' ? this.#me : undefined;
	}

	#ctx() {
		return this.view?.peopleById[this.#me] ? { by: this.#me } : {};
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

	#read(): void {
		const doc = this.#handle?.doc();
		if (!doc) return;
		this.view = readTrip(doc);
		void this.#join();
	}

	/** A member who opens a trip they were invited to appears on it as a person (once). */
	async #join(): Promise<void> {
		const view = this.view;
		if (!view?.tripId || view.peopleById[this.#me] || this.#joining) return;
		const role = this.#sync.state.get().trips[this.tripId]?.role;
		if (role === 'viewer') return;
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
