// Updating the view from Automerge's patches when an edit touched only some items' own fields (a
// tick, a rename, a quantity, an override): those items are re-read through `readTrip` on a
// document cut down to them, and every other part of the view is kept as it was. A whole
// `readTrip` of a 1,000-item trip costs several ms; this costs about one item's worth.
// Anything else (items added or removed, a category change, people, rules, dates, order) is a
// full read.
import type * as A from '@automerge/automerge';
import { readTrip, type TripDoc, type TripView } from '$lib/trip';
import { reuseItem } from './memo';

/** The ids of the items these patches changed, or null when they changed more than that. */
export function itemsTouched(patches: readonly A.Patch[], view: TripView): Set<string> | null {
	const ids = new Set<string>();
	for (const patch of patches) {
		const [root, id, field] = patch.path;
		// The device's actor → person entry, written with its first change; not in the view.
		if (root === 'actors') continue;
		if (root === 'items' && typeof id === 'string' && field !== undefined && field !== 'categoryId') ids.add(id);
		else if (root === 'overrides' && typeof id === 'string' && patch.path.length === 2) ids.add(id);
		else return null;
	}
	for (const id of ids) if (!Object.prototype.hasOwnProperty.call(view.items, id)) return null;
	return ids;
}

/**
 * The view with `ids` re-read from `doc`. Only for documents from the genesis (schema ≥ 2), whose
 * root containers are never duplicated, so the root's plain values are the whole truth; older
 * documents go through the full read, which unions duplicate containers.
 */
export function patchItems(prev: TripView, doc: A.Doc<TripDoc>, ids: Set<string>): TripView | null {
	if (prev.schemaVersion < 2) return null;
	if (ids.size === 0) return prev;
	const items: Record<string, unknown> = {};
	for (const id of ids) if (Object.prototype.hasOwnProperty.call(doc.items, id)) items[id] = doc.items[id];
	const cut = readTrip({
		schemaVersion: doc.schemaVersion,
		tripId: doc.tripId,
		meta: doc.meta,
		people: doc.people,
		categories: doc.categories,
		categoryOrder: [],
		items,
		itemOrder: {},
		rules: doc.rules,
		overrides: doc.overrides,
		planEntries: {},
		notes: '',
		actors: {},
	});
	const next = { ...prev.items };
	for (const id of ids) {
		const item = cut.items[id];
		// Gone, or moved to "Other" (its category vanished): the lists change, so read it all.
		if (!item || item.categoryId !== prev.items[id]?.categoryId) return null;
		next[id] = reuseItem(prev.items[id], item);
	}
	return { ...prev, items: next };
}
