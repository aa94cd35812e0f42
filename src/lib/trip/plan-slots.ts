// Where a day's plan is stored. A date is a natural key: two people who start planning the same day
// at once would each create a container for it, and Automerge would show only one. So new plan
// content lives in entries keyed by random id (`planEntries`), each naming its date, and a day is
// all of its entries. Documents of schema 1 kept one map per date in `plan`; those are read too
// (every value, should two peers have raced to create one), before the entries.
//
// A day's slots, in an order every replica agrees on: schema-1 days first, then entries by id.
// The day's text is the slots' non-empty texts joined by newlines; its activities, theirs in order.
import { isIsoDate } from './dates';
import { asString, isMap, listsAt, mapsAt, own, type Obj } from './conflicted';
import { isDocId, type IsoDate } from './ids';

export function planSlots(root: unknown): Map<IsoDate, Obj[]> {
	const out = new Map<IsoDate, Obj[]>();
	const add = (date: IsoDate, slot: Obj) => {
		const bucket = out.get(date);
		if (bucket) bucket.push(slot);
		else out.set(date, [slot]);
	};
	for (const plan of mapsAt(root, 'plan')) {
		for (const date of Object.keys(plan).filter(isIsoDate).sort()) {
			for (const day of mapsAt(plan, date)) add(date, day);
		}
	}
	const seen = new Set<string>();
	const found: [string, Obj, IsoDate][] = [];
	for (const map of mapsAt(root, 'planEntries')) {
		for (const id of Object.keys(map)) {
			const entry = own(map, id);
			const date = isMap(entry) ? asString(entry.date) : undefined;
			if (seen.has(id) || !isDocId(id) || !isMap(entry) || !isIsoDate(date)) continue;
			seen.add(id);
			found.push([id, entry, date]);
		}
	}
	found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	for (const [, entry, date] of found) add(date, entry);
	return out;
}

/** The activity lists of a slot (one, unless a schema-1 writer raced to create it). */
export function activityLists(slot: Obj): unknown[][] {
	return listsAt(slot, 'activities');
}

export function slotText(slot: Obj): string {
	return asString(slot.text) ?? '';
}
