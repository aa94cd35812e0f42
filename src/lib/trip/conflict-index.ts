// Conflicts kept current from patches. getConflicts reads the whole trip (80–220 ms at 1,000
// items), far too slow per keystroke or per remote change; a change's patches name the paths it
// touched, and a conflict can only appear, change or go where a patch landed (a losing concurrent
// value arrives as a `conflict` patch), so only those scopes are rescanned.
import type * as A from '@automerge/automerge';
import { actorClaims, comparePaths, scanScope, SECTIONS, type Conflict } from './conflict-scan';
import type { TripDoc } from './schema';

const keyOf = (path: readonly (string | number)[]) => path.join('\u0000');

/** The smallest scope conflict-scan can rescan that holds everything under `path`; null: none. */
export function scopeOf(path: readonly (string | number)[]): string[] | null {
	const [name, id, field, sub] = path;
	if (typeof name !== 'string' || !SECTIONS[name]) return null;
	if (name === 'notes') return ['notes'];
	if (typeof id !== 'string') return [name];
	if (typeof field !== 'string' || name === 'overrides') return [name, id];
	if (name === 'items' && field === 'packed' && typeof sub === 'string') return [name, id, field, sub];
	return [name, id, field];
}

function within(path: readonly (string | number)[], scope: string[]): boolean {
	return scope.length <= path.length && scope.every((s, i) => path[i] === s);
}

export class ConflictIndex {
	readonly #byPath = new Map<string, Conflict>();
	#sorted: Conflict[] | null = null;

	/** The full scan, once, when a trip opens. */
	constructor(doc: A.Doc<TripDoc>) {
		scanScope(doc, actorClaims(doc), [], (c) => this.#byPath.set(keyOf(c.path), c));
	}

	/** Every conflict, ordered by path as getConflicts orders them. */
	list(): Conflict[] {
		this.#sorted ??= [...this.#byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
		return this.#sorted;
	}

	at(path: readonly (string | number)[]): Conflict | undefined {
		return this.#byPath.get(keyOf(path));
	}

	/**
	 * Brings the index up to `doc` from the patches that led to it (a DocHandle change event's
	 * `patches`). Returns whether the list changed.
	 */
	update(doc: A.Doc<TripDoc>, patches: readonly A.Patch[]): boolean {
		const scopes = new Map<string, string[]>();
		let claims = false;
		for (const patch of patches) {
			if (patch.path[0] === 'actors') claims = true;
			const scope = scopeOf(patch.path);
			if (scope) scopes.set(keyOf(scope), scope);
		}
		const actors = actorClaims(doc);
		let changed = false;
		// A scope inside another one in this batch is covered by the larger one.
		const all = [...scopes.values()].filter(
			(s) => ![...scopes.values()].some((o) => o.length < s.length && within(s, o)),
		);
		for (const scope of all) {
			for (const [k, c] of [...this.#byPath]) {
				if (!within(c.path, scope)) continue;
				this.#byPath.delete(k);
				changed = true;
			}
			scanScope(doc, actors, scope, (c) => {
				this.#byPath.set(keyOf(c.path), c);
				changed = true;
			});
		}
		// A write that settles a conflict on the value already shown changes nothing visible, and
		// A.diff then reports no patch for it: so every conflict there is gets checked again (a
		// handful of backend reads; a trip rarely holds more than a few).
		for (const [k, c] of [...this.#byPath]) {
			if (claims || all.some((scope) => within(c.path, scope))) continue;
			const [name, ...rest] = c.path.map(String);
			let again: Conflict | null = null;
			scanScope(doc, actors, [name!, ...rest], (n) => {
				if (keyOf(n.path) === k) again = n;
			});
			if (!again) {
				this.#byPath.delete(k);
				changed = true;
			} else if (JSON.stringify(again) !== JSON.stringify(c)) {
				this.#byPath.set(k, again);
				changed = true;
			}
		}
		if (claims) {
			// Who the document says wrote each value: refresh the names on the conflicts there are.
			for (const [k, c] of [...this.#byPath]) {
				const [name, ...rest] = c.path.map(String);
				this.#byPath.delete(k);
				scanScope(doc, actors, [name!, ...rest], (n) => this.#byPath.set(keyOf(n.path), n));
				changed = true;
			}
		}
		if (changed) this.#sorted = null;
		return changed;
	}
}
