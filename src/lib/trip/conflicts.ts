// Concurrent conflicting writes. Automerge picks a winner for a scalar written concurrently by two
// people but keeps the others; the UI shows "edited at the same time by X and Y" and lets someone
// pick (resolveConflict). Text fields edited with updateText/splice merge and never appear here.
import * as A from '@automerge/automerge';
import { isMap, own } from './conflicted';
import { actorClaims, comparePaths, scanScope, type Conflict } from './conflict-scan';
import { defineOp, TripOpError } from './op';
import type { TripDoc } from './schema';

export type { Conflict, ConflictValue } from './conflict-scan';

/**
 * All fields with concurrent values, across meta, people, categories, items, rules, overrides and
 * plan (see conflict-scan.ts). A whole-trip scan: run it on open; ConflictIndex keeps it current.
 */
export function getConflicts(doc: A.Doc<TripDoc>): Conflict[] {
	if (!A.isAutomerge(doc)) return [];
	const out: Conflict[] = [];
	scanScope(doc, actorClaims(doc), [], (c) => out.push(c));
	// The key order of an Automerge map differs between replicas holding the same document (it
	// follows the order the keys arrived in), so order the list by path for every replica alike.
	return out.sort((a, b) => comparePaths(a.path, b.path));
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
