// Reading a key that concurrent writers may each have filled with their own container.
//
// Trips made from the genesis (genesis.ts) never have two containers at one key: every container a
// peer could create at the same time as another already exists before anyone edits. Documents that
// predate the genesis can: two peers that each created `people` (or an `itemOrder` list, or a plan
// day) hold two maps at one key, and Automerge shows only one of them. Rather than hide the other,
// readers union every value at such keys and operations look for their target in all of them.
import * as A from '@automerge/automerge';

export type Obj = Record<string, unknown>;

export function isMap(value: unknown): value is Obj {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(record: object, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(record, key);
}

/** `record[key]` when it is the record's own property; never a prototype member such as `__proto__`. */
export function own(record: unknown, key: string): unknown {
	return isMap(record) && hasOwn(record, key) ? record[key] : undefined;
}

/** A string value, whether stored as collaborative text or as an immutable string by an older writer. */
export function asString(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	return A.isImmutableString(value) ? value.val : undefined;
}

/** Automerge's own winner order: higher counter wins, then the greater actor id. */
function compareOpIds(a: string, b: string): number {
	const [ca, aa = ''] = a.split('@');
	const [cb, ab = ''] = b.split('@');
	return Number(cb) - Number(ca) || (ab < aa ? -1 : ab > aa ? 1 : 0);
}

/**
 * Every value at `parent[key]`: the shown one first, then values concurrent writers left behind, in
 * an order every replica agrees on. Plain (non-Automerge) objects have just the one value.
 */
export function valuesAt(parent: unknown, key: string): unknown[] {
	if (!isMap(parent) || !hasOwn(parent, key)) return [];
	let found: Record<string, unknown> | undefined;
	try {
		found = A.getConflicts(parent as A.Doc<unknown>, key) as Record<string, unknown> | undefined;
	} catch {
		found = undefined; // not an Automerge object, or a value copied out of one
	}
	if (!found || Object.keys(found).length < 2) return [parent[key]];
	return Object.keys(found)
		.sort(compareOpIds)
		.map((opId) => found[opId]);
}

export function mapsAt(parent: unknown, key: string): Obj[] {
	return valuesAt(parent, key).filter(isMap);
}

export function listsAt(parent: unknown, key: string): unknown[][] {
	return valuesAt(parent, key).filter((v): v is unknown[] => Array.isArray(v));
}

/**
 * The union of every map at `parent[key]`; for a key present in several, the shown map's value wins.
 * The result has no prototype, so hostile keys such as `__proto__` stay plain data.
 */
export function unionMap(parent: unknown, key: string): Obj {
	const out = Object.create(null) as Obj;
	for (const map of mapsAt(parent, key)) {
		for (const k of Object.keys(map)) if (!hasOwn(out, k)) out[k] = map[k];
	}
	return out;
}

/** Every list at `parent[key]`, concatenated in `valuesAt` order (readers drop the duplicates). */
export function unionList(parent: unknown, key: string): unknown[] {
	return listsAt(parent, key).flat();
}
