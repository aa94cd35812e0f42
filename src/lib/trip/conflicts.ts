// Concurrent conflicting writes. Automerge picks a winner for a scalar written concurrently by two
// people but keeps the others; the UI shows "edited at the same time by X and Y" and lets someone
// pick (resolveConflict). Text fields edited with updateText/splice merge and never appear here.
import * as A from '@automerge/automerge';
import type { PersonId } from './ids';
import { isMap, mapsAt, own, unionMap } from './conflicted';
import { defineOp, TripOpError } from './op';
import type { TripDoc } from './schema';

export interface ConflictValue {
	value: unknown;
	/** The Automerge op id (`counter@actor`) that wrote this value. */
	opId: string;
	actor: string;
	/** The person behind the actor, when the document records one. */
	by: PersonId | null;
}

export interface Conflict {
	path: (string | number)[];
	/** Every concurrent value; the first is the one Automerge currently shows. */
	values: ConflictValue[];
}

type Node = Record<string, unknown>;

const META_FIELDS = ['name', 'destination', 'startDate', 'endDate'];
const PERSON_FIELDS = ['name', 'colour', 'userId'];
const ITEM_FIELDS = ['name', 'categoryId', 'owner', 'quantity', 'notes'];
const RULE_FIELDS = ['kind', 'amount', 'minDays', 'maxDays', 'itemId'];

function plain(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return value;
	try {
		return JSON.parse(JSON.stringify(value)) as unknown;
	} catch {
		return null;
	}
}

function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null;
}

/**
 * All fields with concurrent values, across meta, people, categories, items, rules, overrides and
 * plan. Left out: values that are all the same (both ticked: nothing to choose between), and
 * concurrent containers, which no one can choose between either; the view shows their contents.
 */
export function getConflicts(doc: A.Doc<TripDoc>): Conflict[] {
	if (!A.isAutomerge(doc)) return [];
	const actors: Node = unionMap(doc, 'actors');
	const out: Conflict[] = [];
	const check = (parent: unknown, path: string[], key: string): void => {
		if (!isMap(parent) || !Object.prototype.hasOwnProperty.call(parent, key)) return;
		let found: Record<string, unknown> | undefined;
		try {
			found = A.getConflicts(parent as A.Doc<unknown>, key) as Record<string, unknown> | undefined;
		} catch {
			return; // a value copied out of a concurrent container: not addressable, see conflicted.ts
		}
		if (!found || Object.keys(found).length < 2) return;
		const raw = Object.values(found);
		if (raw.some(isObject)) return;
		const shown = parent[key];
		const values = Object.entries(found).map(([opId, value]) => {
			const actor = opId.slice(opId.indexOf('@') + 1);
			const by = actors[actor];
			return {
				value: plain(value),
				opId,
				actor,
				by: typeof by === 'string' ? (by as PersonId) : null,
			};
		});
		if (values.every((v) => JSON.stringify(v.value) === JSON.stringify(values[0]?.value))) return;
		// Show the winning value first so the UI can say "currently X".
		values.sort((a, b) => Number(b.value === shown) - Number(a.value === shown) || (a.opId < b.opId ? -1 : 1));
		out.push({ path: [...path, key], values });
	};
	const each = (container: unknown, path: string[], fields: string[]): void => {
		if (!isMap(container)) return;
		for (const id of Object.keys(container)) {
			check(container, path, id);
			const child = own(container, id);
			for (const f of fields) check(child, [...path, id], f);
		}
	};
	const [meta] = mapsAt(doc, 'meta');
	for (const f of META_FIELDS) check(meta, ['meta'], f);
	check(doc, [], 'notes');
	const [people] = mapsAt(doc, 'people');
	each(people, ['people'], PERSON_FIELDS);
	const [categories] = mapsAt(doc, 'categories');
	each(categories, ['categories'], ['name']);
	const [items] = mapsAt(doc, 'items');
	each(items, ['items'], ITEM_FIELDS);
	if (isMap(items)) {
		for (const id of Object.keys(items)) {
			const it = own(items, id);
			if (!isMap(it) || !isMap(it.packed)) continue;
			for (const p of Object.keys(it.packed)) check(it.packed, ['items', id, 'packed'], p);
		}
	}
	const [rules] = mapsAt(doc, 'rules');
	each(rules, ['rules'], RULE_FIELDS);
	const [overrides] = mapsAt(doc, 'overrides');
	if (isMap(overrides)) for (const id of Object.keys(overrides)) check(overrides, ['overrides'], id);
	const [entries] = mapsAt(doc, 'planEntries');
	each(entries, ['planEntries'], ['text']);
	const [plan] = mapsAt(doc, 'plan');
	each(plan, ['plan'], ['text']);
	// The key order of an Automerge map differs between replicas holding the same document (it
	// follows the order the keys arrived in), so order the list by path for every replica alike.
	return out.sort((a, b) => comparePaths(a.path, b.path));
}

function comparePaths(a: (string | number)[], b: (string | number)[]): number {
	for (let i = 0; i < Math.min(a.length, b.length); i++) {
		const x = String(a[i]);
		const y = String(b[i]);
		if (x !== y) return x < y ? -1 : 1;
	}
	return a.length - b.length;
}

/**
 * Settles a conflict by writing the chosen value again: a write that has seen every concurrent
 * value supersedes them all, so after it merges nobody sees the conflict any more.
 */
export const resolveConflict = defineOp(
	'resolveConflict',
	(args: { path: (string | number)[]; value: string | number | boolean | null }) => {
		if (!Array.isArray(args.path) || args.path.length < 1 || args.path.some((p) => typeof p !== 'string')) {
			throw new TripOpError('invalid', 'a conflict path names map keys');
		}
		if (args.value !== null && !['string', 'number', 'boolean'].includes(typeof args.value)) {
			throw new TripOpError('invalid', 'only plain values can be chosen');
		}
		return (d) => {
			let node: unknown = d;
			for (const key of args.path.slice(0, -1)) node = own(node, key as string);
			const last = args.path[args.path.length - 1] as string;
			if (!isMap(node) || own(node, last) === undefined)
				throw new TripOpError('not_found', `nothing at ${args.path.join('.')}`);
			node[last] = args.value;
		};
	},
);
