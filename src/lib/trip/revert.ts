// Reverting changes with a new change (undo, "revert this", "revert all of X since T"): for every
// field a change wrote, put back what was there before it, but only where the field still holds
// what that change wrote, so nobody's later edit is overwritten. Text fields go back whole (only
// when untouched since); lists are left alone (readTrip repairs orders from each item's category).
import * as A from '@automerge/automerge';
import { isMap } from './conflicted';
import type { TripDoc } from './schema';

type Path = (string | number)[];

function at(root: unknown, path: Path): unknown {
	let node = root;
	for (const key of path) {
		if (node === null || typeof node !== 'object') return undefined;
		node = (node as Record<string | number, unknown>)[key];
	}
	return node;
}

const plain = (v: unknown): unknown => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown));
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/** The map key path a patch is about: the field itself, or the text a splice edits. */
function fieldOf(doc: A.Doc<TripDoc>, patch: A.Patch): Path | null {
	const path = patch.path;
	for (let i = path.length - 1; i >= 0; i--) {
		if (typeof path[i] === 'number') {
			// Inside a list or text: a text field is reverted whole; a list is left alone.
			const parent = path.slice(0, i);
			return typeof at(doc, parent) === 'string' ? parent : null;
		}
	}
	return path.length ? path : null;
}

/**
 * A change function that reverts `hashes` (changes of `doc`), or null when there is nothing to do
 * (unknown hashes, or every field they wrote was changed again since).
 */
export function revertChanges(doc: A.Doc<TripDoc>, hashes: string[]): A.ChangeFn<TripDoc> | null {
	const writes: { path: Path; before: unknown; after: unknown }[] = [];
	const seen = new Set<string>();
	for (const hash of [...hashes].reverse()) {
		const bytes = A.getBackend(doc).getChangeByHash(hash);
		if (!bytes) continue;
		const change = A.decodeChange(bytes);
		const before = A.view(doc, change.deps);
		const after = A.view(doc, [hash]);
		for (const patch of A.diff(doc, change.deps, [hash])) {
			const path = fieldOf(after, patch) ?? (patch.action === 'del' ? fieldOf(before, patch) : null);
			// Who wrote with which actor is a record, not an edit: it stays.
			if (!path || path[0] === 'actors') continue;
			const key = JSON.stringify(path);
			if (seen.has(key)) continue;
			seen.add(key);
			writes.push({ path, before: plain(at(before, path)), after: plain(at(after, path)) });
		}
	}
	const todo = writes.filter((w) => same(at(doc, w.path), w.after) && !same(w.before, w.after));
	if (todo.length === 0) return null;
	return (d) => {
		for (const w of todo) {
			const parent = at(d, w.path.slice(0, -1));
			const key = w.path[w.path.length - 1]!;
			if (!isMap(parent)) continue; // its container is gone too: restored by an outer write
			if (w.before === undefined) delete parent[key as string];
			else if (typeof w.before === 'string' && typeof parent[key as string] === 'string')
				A.updateText(d, w.path, w.before);
			else parent[key as string] = w.before;
		}
	};
}
