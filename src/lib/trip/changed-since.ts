// "What changed since I last looked", kept current from patches. itemsChangedSince (history.ts)
// diffs the whole trip against the heads last seen, slower still than getConflicts, so it cannot
// run per remote change: ChangedSince does that scan once on open, then folds in each change's
// patches (which entities it touched) and its change sets (which hashes touched them).
//
// It names change hashes, not people: the only authorship to show is the author the server
// recorded for each hash (pull_changes' author_id), never the document's own claim.
import * as A from '@automerge/automerge';
import { isMap, own } from './conflicted';
import type { TripDoc } from './schema';

export type ChangedSection = 'items' | 'planEntries';
export type ChangedKind = 'added' | 'changed' | 'removed';

export interface ChangedEntity {
	section: ChangedSection;
	id: string;
	kind: ChangedKind;
	/** The change sets since the heads seen that wrote to it, sorted. */
	hashes: string[];
}

/** The entity a patch path lands in (an override belongs to its item); null: none we list. */
function entityOf(path: readonly (string | number)[]): [ChangedSection, string] | null {
	const [root, id] = path;
	if (typeof id !== 'string') return null;
	if (root === 'items' || root === 'overrides') return ['items', id];
	if (root === 'planEntries') return ['planEntries', id];
	return null;
}

const keyOf = (section: string, id: string) => `${section}\u0000${id}`;

type Backend = ReturnType<typeof A.getBackend>;
const OBJECT_TYPES = new Set(['map', 'list', 'text', 'table']);

/** The object at `obj[prop]` as of `heads`, asked of the backend (A.view would copy the document). */
function childObject(backend: Backend, obj: string, prop: A.Prop, heads: A.Heads): string | null {
	return childWithType(backend, obj, prop, heads)?.[1] ?? null;
}

function childWithType(backend: Backend, obj: string, prop: A.Prop, heads: A.Heads): [string, string] | null {
	const found = backend.getWithType(obj, prop, heads);
	return found && OBJECT_TYPES.has(found[0]) ? [found[0], found[1] as string] : null;
}

/** Every object id inside `obj` (itself included) as of `heads`, so an op on any maps to `key`. */
function collectObjects(
	backend: Backend,
	[type, obj]: [string, string],
	heads: A.Heads,
	into: Map<string, string>,
	key: string,
): void {
	into.set(obj, key);
	let props: A.Prop[];
	try {
		if (type === 'text') return;
		props = type === 'list' ? [...Array(backend.length(obj, heads)).keys()] : backend.keys(obj, heads);
	} catch {
		return;
	}
	for (const p of props) {
		const child = childWithType(backend, obj, p, heads);
		if (child) collectObjects(backend, child, heads, into, key);
	}
}

/**
 * For `changes` (causal order), the hashes that wrote to each entity in `keys`. `heads` is where
 * the document stood before them, where the entities' existing objects are found; objects the
 * changes create are followed through their make ops, so removed objects are attributed too.
 */
function attribute(
	doc: A.Doc<TripDoc>,
	heads: A.Heads,
	changes: Uint8Array[],
	keys: Set<string>,
): Map<string, Set<string>> {
	const backend = A.getBackend(doc);
	const owners = new Map<string, string>();
	const containers = new Map<string, ChangedSection>();
	for (const [section, root] of [
		['items', 'items'],
		['items', 'overrides'],
		['planEntries', 'planEntries'],
	] as const) {
		// Every container ever at the key (a document from before the genesis may hold several).
		for (const at of [heads, A.getHeads(doc)]) {
			const obj = childObject(backend, '_root', root, at);
			if (obj) containers.set(obj, section);
		}
	}
	for (const k of keys) {
		const [section, id] = k.split('\u0000') as [ChangedSection, string];
		const container = childObject(backend, '_root', section, heads);
		const obj = container ? childWithType(backend, container, id, heads) : null;
		if (obj) collectObjects(backend, obj, heads, owners, k);
	}
	const out = new Map<string, Set<string>>();
	for (const bytes of changes) {
		const change = A.decodeChange(bytes);
		change.ops.forEach((op, i) => {
			const section = containers.get(op.obj);
			const k = section !== undefined && op.key !== undefined ? keyOf(section, op.key) : owners.get(op.obj);
			if (k === undefined || !keys.has(k)) return;
			(out.get(k) ?? out.set(k, new Set()).get(k)!).add(change.hash);
			if (op.action.startsWith('make')) owners.set(`${change.startOp + i}@${change.actor}`, k);
		});
	}
	return out;
}

function idsAt(doc: A.Doc<TripDoc>, section: ChangedSection, heads: A.Heads): Set<string> {
	const backend = A.getBackend(doc);
	const container = childObject(backend, '_root', section, heads);
	return new Set(container ? backend.keys(container, heads) : []);
}

export class ChangedSince {
	readonly seen: A.Heads;
	readonly #existedAtSeen: Record<ChangedSection, Set<string>>;
	readonly #touched = new Map<string, Set<string>>();

	private constructor(doc: A.Doc<TripDoc>, seen: A.Heads) {
		this.seen = seen;
		this.#existedAtSeen = { items: idsAt(doc, 'items', seen), planEntries: idsAt(doc, 'planEntries', seen) };
	}

	/**
	 * The full scan, on open. Null when `seen` names a change this document lacks (heads from
	 * another replica not synced here yet): there is nothing to compare against.
	 */
	static open(doc: A.Doc<TripDoc>, seen: A.Heads): ChangedSince | null {
		let patches: A.Patch[];
		try {
			if (!Array.isArray(seen) || !A.hasHeads(doc, seen)) return null;
			patches = A.diff(doc, seen, A.getHeads(doc));
		} catch {
			return null;
		}
		const tracker = new ChangedSince(doc, [...seen]);
		tracker.#fold(doc, seen, patches);
		return tracker;
	}

	/** Folds in the change from `before` (heads) to `doc`, given that change's patches. */
	update(doc: A.Doc<TripDoc>, before: A.Heads, patches: readonly A.Patch[]): boolean {
		return this.#fold(doc, before, patches);
	}

	#fold(doc: A.Doc<TripDoc>, before: A.Heads, patches: readonly A.Patch[]): boolean {
		const keys = new Set<string>();
		for (const p of patches) {
			const e = entityOf(p.path);
			if (e) keys.add(keyOf(...e));
		}
		if (keys.size === 0) return false;
		const hashes = attribute(doc, before, A.getChangesSince(doc, before), keys);
		for (const k of keys) {
			const set = this.#touched.get(k) ?? new Set<string>();
			for (const h of hashes.get(k) ?? []) set.add(h);
			this.#touched.set(k, set);
		}
		return true;
	}

	/** What changed, against `doc` now: added and removed since seen, or changed. */
	list(doc: A.Doc<TripDoc>): ChangedEntity[] {
		const out: ChangedEntity[] = [];
		for (const [k, hashes] of this.#touched) {
			const [section, id] = k.split('\u0000') as [ChangedSection, string];
			const before = this.#existedAtSeen[section].has(id);
			const after = isMap(own(own(doc, section), id));
			if (!before && !after) continue; // came and went while away: nothing to show
			const kind: ChangedKind = !after ? 'removed' : before ? 'changed' : 'added';
			out.push({ section, id, kind, hashes: [...hashes].sort() });
		}
		return out.sort((a, b) => (a.section + a.id < b.section + b.id ? -1 : a.section + a.id > b.section + b.id ? 1 : 0));
	}
}
