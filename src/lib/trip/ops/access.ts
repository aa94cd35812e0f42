// How operations reach what they change. A document that predates the genesis may hold two maps
// at one key (see conflicted.ts); an operation finds its target in whichever holds it, and adds new
// entries to the map Automerge shows. Lookups go through `own`, so a peer's `__proto__` key is data.
import { isMap, listsAt, mapsAt, own, type Obj } from '../conflicted';
import type { CategoryId, ItemId, PersonId } from '../ids';
import { notFound } from '../op';
import type { CategoryDoc, ItemDoc, PersonDoc, TripDoc } from '../schema';

export type RootMap =
	'people' | 'categories' | 'items' | 'itemOrder' | 'rules' | 'overrides' | 'planEntries' | 'actors';

/** Every map at a root key, the shown one first. */
export function containers(d: TripDoc, key: RootMap): Obj[] {
	return mapsAt(d, key);
}

/** The map new entries go into. Only a document that predates the genesis can lack it. */
export function writable(d: TripDoc, key: RootMap): Obj {
	const [shown] = mapsAt(d, key);
	if (shown) return shown;
	(d as unknown as Obj)[key] = {};
	return (d as unknown as Obj)[key] as Obj;
}

/** The entry `id` of a root map, or undefined; searched across every map at the key. */
export function findEntry(d: TripDoc, key: RootMap, id: string): Obj | undefined {
	for (const map of mapsAt(d, key)) {
		const value = own(map, id);
		if (isMap(value)) return value;
	}
	return undefined;
}

/** Deletes `id` from every map at a root key; true when any held it. */
export function deleteEntry(d: TripDoc, key: RootMap, id: string): boolean {
	let found = false;
	for (const map of mapsAt(d, key)) {
		if (own(map, id) !== undefined) {
			delete map[id];
			found = true;
		}
	}
	return found;
}

/** Every (own, map-valued) entry of a root key as [id, entry], each id once. */
export function entries(d: TripDoc, key: RootMap): [string, Obj][] {
	const seen = new Set<string>();
	const out: [string, Obj][] = [];
	for (const map of mapsAt(d, key)) {
		for (const id of Object.keys(map)) {
			const value = own(map, id);
			if (seen.has(id) || !isMap(value)) continue;
			seen.add(id);
			out.push([id, value]);
		}
	}
	return out;
}

export function item(d: TripDoc, id: ItemId): ItemDoc {
	const found = findEntry(d, 'items', id);
	if (!found) throw notFound('item', id);
	return found as unknown as ItemDoc;
}

export function category(d: TripDoc, id: CategoryId): CategoryDoc {
	const found = findEntry(d, 'categories', id);
	if (!found) throw notFound('category', id);
	return found as unknown as CategoryDoc;
}

export function person(d: TripDoc, id: PersonId): PersonDoc {
	const found = findEntry(d, 'people', id);
	if (!found) throw notFound('person', id);
	return found as unknown as PersonDoc;
}

/** Every item-order list for a category (one, unless a pre-genesis document raced to create it). */
export function orderLists(d: TripDoc, categoryId: string): ItemId[][] {
	return containers(d, 'itemOrder').flatMap((map) => listsAt(map, categoryId)) as ItemId[][];
}

/** The list to insert into; created only where a pre-genesis document or a hostile peer left none. */
export function orderList(d: TripDoc, categoryId: string): ItemId[] {
	const [list] = orderLists(d, categoryId);
	if (list) return list;
	const map = writable(d, 'itemOrder');
	map[categoryId] = [];
	return map[categoryId] as ItemId[];
}
