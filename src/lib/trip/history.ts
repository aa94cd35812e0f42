// "What changed since I last looked": items added, changed or removed since a set of heads, and who
// did it. The set of items comes from A.diff (the net effect, whoever wrote it); the authors come
// from the changes themselves, mapping each op's object back to an item and each actor to a person.
import * as A from '@automerge/automerge';
import type { ItemId, PersonId } from './ids';
import { parseChangeMessage } from './messages';
import { isMap, own, unionMap } from './conflicted';
import type { TripDoc } from './schema';

export type ItemChangeKind = 'added' | 'changed' | 'removed';

export interface ItemChange {
	itemId: ItemId;
	kind: ItemChangeKind;
	/** People who touched the item, in no particular order; unknown actors are left out. */
	by: PersonId[];
	/** Actions named by the change messages that touched it (e.g. `renameItem`). */
	actions: string[];
}

/**
 * Items added, changed or removed since `heads`, or null when `heads` name a change this document
 * does not have (e.g. heads saved from another replica that has not synced here yet, or from
 * another trip): then there is nothing to compare against, and the caller should treat every item
 * as possibly changed (a full refresh). An empty list means nothing changed.
 */
export function itemsChangedSince(doc: A.Doc<TripDoc>, heads: A.Heads): ItemChange[] | null {
	let patches: A.Patch[];
	try {
		if (!Array.isArray(heads) || !A.hasHeads(doc, heads)) return null;
		patches = A.diff(doc, heads, A.getHeads(doc));
	} catch {
		return null;
	}
	const kinds = new Map<string, Set<string>>();
	for (const patch of patches) {
		const [root, id] = patch.path;
		if ((root !== 'items' && root !== 'overrides') || typeof id !== 'string') continue;
		const set = kinds.get(id) ?? new Set<string>();
		set.add(root === 'items' && patch.path.length === 2 ? patch.action : 'change');
		kinds.set(id, set);
	}
	if (kinds.size === 0) return [];

	// Object id → item, for the items in question only (building it for all items would cost a
	// wasm call per field of every item on a 1,000-item trip).
	const owners = new Map<string, string>();
	const itemsObj = isMap(doc.items) ? A.getObjectId(doc.items) : null;
	const overridesObj = isMap(doc.overrides) ? A.getObjectId(doc.overrides) : null;
	for (const id of kinds.keys()) {
		const it = own(doc.items, id);
		if (!isMap(it)) continue;
		const objId = A.getObjectId(it);
		if (objId) owners.set(objId, id);
		for (const field of ['name', 'notes', 'packed']) {
			const sub = A.getObjectId(it, field);
			if (sub) owners.set(sub, id);
		}
	}
	const actors = unionMap(doc, 'actors');
	const authors = new Map<string, Set<PersonId>>();
	const actions = new Map<string, Set<string>>();
	// getChangesSince + decodeChange, not inspectChange per hash: the latter is ~5× slower each.
	for (const bytes of A.getChangesSince(doc, heads)) {
		const change = A.decodeChange(bytes);
		const message = parseChangeMessage(change.message);
		const mapped = own(actors, change.actor);
		const person = typeof mapped === 'string' ? (mapped as PersonId) : (message?.by ?? null);
		for (const op of change.ops) {
			const id = op.obj === itemsObj || op.obj === overridesObj ? op.key : owners.get(op.obj);
			if (id === undefined || !kinds.has(id)) continue;
			if (person) authors.set(id, (authors.get(id) ?? new Set()).add(person));
			if (message) actions.set(id, (actions.get(id) ?? new Set()).add(message.action));
		}
	}

	const out: ItemChange[] = [];
	for (const [id, set] of kinds) {
		const existsNow = isMap(own(doc.items, id));
		let kind: ItemChangeKind;
		if (!existsNow) {
			if (!set.has('del')) continue; // an override on an item that no longer exists
			kind = 'removed';
		} else {
			kind = set.has('put') ? 'added' : 'changed';
		}
		out.push({
			itemId: id as ItemId,
			kind,
			by: [...(authors.get(id) ?? [])],
			actions: [...(actions.get(id) ?? [])],
		});
	}
	return out;
}
