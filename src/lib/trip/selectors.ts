// Derived data for the UI, computed from the validated view only (never from the raw document).
import type { PersonId } from './ids';
import { SHARED, type CategoryView, type ItemView, type PersonView, type TripView } from './schema';

export interface CategoryGroup {
	category: CategoryView;
	items: ItemView[];
}

/** Categories in order, each with its items in order. */
export function itemsByCategory(view: TripView): CategoryGroup[] {
	return view.categories.map((category) => ({
		category,
		items: category.itemIds.map((id) => view.items[id]).filter((it): it is ItemView => it !== undefined),
	}));
}

export interface PersonGroup {
	/** null for the shared group. */
	person: PersonView | null;
	items: ItemView[];
}

/** One group per person (trip order) and a last one for shared items; items in category order. */
export function itemsByPerson(view: TripView): PersonGroup[] {
	const ordered = itemsByCategory(view).flatMap((g) => g.items);
	const groups: PersonGroup[] = view.people.map((person) => ({
		person,
		items: ordered.filter((it) => it.owner === person.id),
	}));
	groups.push({
		person: null,
		items: ordered.filter((it) => it.owner === SHARED),
	});
	return groups;
}

export interface Progress {
	packed: number;
	total: number;
	/** 0..1; 1 for an empty list, so "nothing to pack" reads as done. */
	ratio: number;
}

export interface PackingProgress {
	overall: Progress;
	shared: Progress;
	byPerson: Record<string, Progress>;
}

function progress(items: readonly ItemView[]): Progress {
	const packed = items.filter((it) => it.packed).length;
	return {
		packed,
		total: items.length,
		ratio: items.length ? packed / items.length : 1,
	};
}

/** Whether an item is on the list at all: a rule or override can bring its quantity to 0. */
export function isNeeded(item: ItemView): boolean {
	return item.quantity.effective > 0;
}

/** Packing progress over needed items: each person's own items, the shared ones, and everything. */
export function packingProgress(view: TripView): PackingProgress {
	const needed = Object.values(view.items).filter(isNeeded);
	const byPerson: Record<string, Progress> = {};
	for (const p of view.people) byPerson[p.id] = progress(needed.filter((it) => it.owner === p.id));
	return {
		overall: progress(needed),
		shared: progress(needed.filter((it) => it.owner === SHARED)),
		byPerson,
	};
}

/** Who may tick an item: its owner, or anyone on the trip for a shared item. */
export function packersOf(view: TripView, item: ItemView): PersonId[] {
	return item.owner === SHARED ? view.people.map((p) => p.id) : [item.owner];
}

/** Plan days within the trip's dates, in date order. */
export function planDays(view: TripView) {
	return view.plan.filter((d) => d.inRange);
}
