// Keeps the previous view's objects where nothing changed, so a keyed list re-renders only the rows
// whose item (or category, or person) is really different: one edit of a 1,000-item trip then costs
// one row's update on screen, not a thousand.
import type { CategoryView, ItemView, PersonView, TripView } from '$lib/trip';

function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

function reuse<T>(prev: T | undefined, next: T): T {
	return prev !== undefined && sameJson(prev, next) ? prev : next;
}

export function reuseItem(prev: ItemView | undefined, next: ItemView): ItemView {
	return reuse(prev, next);
}

export function reuseUnchanged(prev: TripView | null, next: TripView): TripView {
	if (!prev) return next;
	const items: Record<string, ItemView> = {};
	for (const [id, item] of Object.entries(next.items)) items[id] = reuse(prev.items[id], item);
	const prevCategories = new Map(prev.categories.map((c) => [c.id, c]));
	const categories: CategoryView[] = next.categories.map((c) => reuse(prevCategories.get(c.id), c));
	const people: PersonView[] = next.people.map((p) => reuse(prev.peopleById[p.id], p));
	const samePeople = people.length === prev.people.length && people.every((p, i) => p === prev.people[i]);
	const peopleById: Record<string, PersonView> = {};
	for (const p of people) peopleById[p.id] = p;
	const sameCategories =
		categories.length === prev.categories.length && categories.every((c, i) => c === prev.categories[i]);
	return {
		...next,
		items,
		categories: sameCategories ? prev.categories : categories,
		people: samePeople ? prev.people : people,
		peopleById: samePeople ? prev.peopleById : peopleById,
		rules: sameJson(prev.rules, next.rules) ? prev.rules : next.rules,
		plan: sameJson(prev.plan, next.plan) ? prev.plan : next.plan,
	};
}
