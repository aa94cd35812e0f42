import * as A from '@automerge/automerge';
import { describe, expect, test } from 'vitest';
import {
	addCategory,
	addItem,
	addPerson,
	addRule,
	createTrip,
	moveItem,
	overrideQuantity,
	readTrip,
	renameItem,
	togglePacked,
	type CategoryId,
	type ItemId,
	type PersonId,
	type TripDoc,
} from '$lib/trip';
import { itemsTouched, patchItems } from './incremental';
import { reuseUnchanged } from './memo';

const A_CAT = 'catAAAAAAAAA' as CategoryId;
const B_CAT = 'catBBBBBBBBB' as CategoryId;
const SOCKS = 'itemSOCKSxxx' as ItemId;
const HAT = 'itemHATxxxxx' as ItemId;
const MIA = 'personMIAxxx' as PersonId;

function trip(): A.Doc<TripDoc> {
	let doc = createTrip({
		tripId: '3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b' as never,
		name: 'T',
		destination: '',
		startDate: '2027-01-01' as never,
		endDate: '2027-01-03' as never,
	});
	doc = addPerson(doc, { id: MIA, name: 'Mia' });
	doc = addCategory(doc, { id: A_CAT, name: 'A' });
	doc = addCategory(doc, { id: B_CAT, name: 'B' });
	doc = addItem(doc, { id: SOCKS, name: 'Socks', categoryId: A_CAT });
	doc = addItem(doc, { id: HAT, name: 'Hat', categoryId: A_CAT });
	return addRule(doc, { itemId: SOCKS, kind: 'perPersonPerDay', amount: 2 });
}

/** The view after `edit` through the patches (or null if they asked for a full read), and the full read. */
function both(edit: (doc: A.Doc<TripDoc>) => A.Doc<TripDoc>) {
	const before = trip();
	const prev = readTrip(before);
	const after = edit(A.clone(before));
	const patches = A.diff(after, A.getHeads(before), A.getHeads(after));
	const ids = itemsTouched(patches, prev);
	return { prev, fast: ids && patchItems(prev, after, ids), full: reuseUnchanged(prev, readTrip(after)) };
}

describe('the view from patches', () => {
	test('a tick, a rename and an override re-read just that item, equal to a full read', () => {
		for (const edit of [
			(d: A.Doc<TripDoc>) => togglePacked(d, { itemId: SOCKS, personId: MIA, packed: true }),
			(d: A.Doc<TripDoc>) => renameItem(d, { itemId: SOCKS, name: 'Wool socks' }),
			(d: A.Doc<TripDoc>) => overrideQuantity(d, { itemId: SOCKS, quantity: 9 }),
		]) {
			const { prev, fast, full } = both(edit);
			expect(fast).not.toBeNull();
			expect(fast).toEqual(full);
			// Untouched parts are the same objects, so their rows do not re-render.
			expect(fast!.items[HAT]).toBe(prev.items[HAT]);
			expect(fast!.categories).toBe(prev.categories);
		}
	});

	test('adding an item, moving one, or a rule change is a full read', () => {
		for (const edit of [
			(d: A.Doc<TripDoc>) => addItem(d, { name: 'Scarf', categoryId: A_CAT }),
			(d: A.Doc<TripDoc>) => moveItem(d, { itemId: HAT, toCategoryId: B_CAT }),
			(d: A.Doc<TripDoc>) => addRule(d, { itemId: HAT, kind: 'perTrip', amount: 3 }),
		]) {
			expect(both(edit).fast).toBeNull();
		}
	});
});
