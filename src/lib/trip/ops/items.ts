// Item operations: add, rename, quantity, notes, owner, packing, move, remove.
import { asString, isMap } from '../conflicted';
import { isDocId, newItemId, type CategoryId, type ItemId, type PersonId } from '../ids';
import { checkId, checkName, checkQuantity, checkText, defineOp, removeAll, setText, TripOpError } from '../op';
import { ORPHAN_CATEGORY_ID, SHARED, type ItemDoc, type Owner, type TripDoc } from '../schema';
import { category, deleteEntry, entries, findEntry, item, orderList, orderLists, person, writable } from './access';

function checkOwner(value: unknown): Owner {
	return value === SHARED ? SHARED : checkId<PersonId>(value, 'owner');
}

function requireOwner(d: TripDoc, owner: Owner): void {
	if (owner !== SHARED) person(d, owner);
}

/**
 * Where the view shows an item: its category, or the synthetic "Other" when the stored category is
 * missing, removed, or not even an id (a peer may have written anything there).
 */
export function placeOf(d: TripDoc, it: ItemDoc): CategoryId {
	const stored = asString(it.categoryId);
	return stored !== undefined && isDocId(stored) && findEntry(d, 'categories', stored)
		? (stored as CategoryId)
		: ORPHAN_CATEGORY_ID;
}

/** The owner as the view sees it: a person on the trip, else shared. */
export function ownerOf(d: TripDoc, it: ItemDoc): Owner {
	const owner = asString(it.owner);
	return owner !== undefined && isDocId(owner) && findEntry(d, 'people', owner) ? (owner as PersonId) : SHARED;
}

/** Inserts before `beforeItemId` when it is listed, else at the end. Anchors survive merges; indexes do not. */
function insertInOrder(list: ItemId[], id: ItemId, beforeItemId: ItemId | null | undefined): void {
	const at = beforeItemId ? list.indexOf(beforeItemId) : -1;
	if (at >= 0) list.splice(at, 0, id);
	else list.push(id);
}

export interface AddItemArgs {
	id?: ItemId;
	name: string;
	categoryId: CategoryId;
	owner?: Owner;
	quantity?: number;
	notes?: string;
	beforeItemId?: ItemId | null;
}

export const addItem = defineOp(
	'addItem',
	(args: AddItemArgs, ctx) => {
		const id = args.id === undefined ? newItemId() : checkId<ItemId>(args.id, 'item id');
		const name = checkName(args.name, 'item name');
		const categoryId = checkId<CategoryId>(args.categoryId, 'category');
		const owner = checkOwner(args.owner ?? SHARED);
		const quantity = checkQuantity(args.quantity ?? 1);
		const notes = checkText(args.notes ?? '', 'notes');
		return (d) => {
			category(d, categoryId);
			requireOwner(d, owner);
			if (findEntry(d, 'items', id)) throw new TripOpError('invalid', `item ${id} already exists`);
			writable(d, 'items')[id] = {
				name,
				categoryId,
				owner,
				quantity,
				notes,
				packed: {},
				createdBy: ctx.by ?? null,
				createdAt: ctx.now ?? Date.now(),
			};
			insertInOrder(orderList(d, categoryId), id, args.beforeItemId);
		};
	},
	(args) => (args.id ? args : { ...args, id: newItemId() }),
);

export const renameItem = defineOp('renameItem', (args: { itemId: ItemId; name: string }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	const name = checkName(args.name, 'item name');
	return (d) => setText(item(d, itemId) as never, 'name', name);
});

export const setQuantity = defineOp('setQuantity', (args: { itemId: ItemId; quantity: number }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	const quantity = checkQuantity(args.quantity);
	return (d) => {
		const it = item(d, itemId);
		if (it.quantity !== quantity) it.quantity = quantity;
	};
});

export const setItemNotes = defineOp('setItemNotes', (args: { itemId: ItemId; notes: string }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	const notes = checkText(args.notes, 'notes');
	return (d) => setText(item(d, itemId) as never, 'notes', notes);
});

export const setItemOwner = defineOp('setItemOwner', (args: { itemId: ItemId; owner: Owner }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	const owner = checkOwner(args.owner);
	return (d) => {
		const it = item(d, itemId);
		requireOwner(d, owner);
		if (asString(it.owner) !== owner) it.owner = owner;
	};
});

export interface TogglePackedArgs {
	itemId: ItemId;
	/**
	 * Shared items: who packs it (required). Personal items: may be omitted; if given it must be the
	 * owner, because a personal item's tick is always its owner's, whoever sets it.
	 */
	personId?: PersonId;
	/** The new state; omitted means flip the current one. */
	packed?: boolean;
}

/**
 * Ticks an item. A personal item may be ticked by any editor for its owner (a parent packs for a
 * child); the tick is stored under the owner and the change message records who set it. A shared
 * item is ticked per person, and is packed when anyone has.
 */
export const togglePacked = defineOp('togglePacked', (args: TogglePackedArgs) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	if (args.personId !== undefined) checkId<PersonId>(args.personId, 'person');
	if (args.packed !== undefined && typeof args.packed !== 'boolean') {
		throw new TripOpError('invalid', 'packed must be true or false');
	}
	return (d) => {
		const it = item(d, itemId);
		const owner = ownerOf(d, it);
		if (owner !== SHARED && args.personId !== undefined && args.personId !== owner) {
			throw new TripOpError('invalid', `a personal item is ticked for its owner, not for ${args.personId}`);
		}
		const who = owner !== SHARED ? owner : args.personId;
		if (!who) throw new TripOpError('invalid', 'say who packed a shared item');
		requireOwner(d, who);
		// Every item is created with its `packed` map; only a damaged one lacks it.
		if (!isMap(it.packed)) it.packed = {};
		const current = Object.prototype.hasOwnProperty.call(it.packed, who) && it.packed[who] === true;
		const next = args.packed ?? !current;
		if (it.packed[who] !== next) it.packed[who] = next;
	};
});

export interface MoveItemArgs {
	itemId: ItemId;
	/**
	 * Target category; defaults to where the item is shown (a reorder). ORPHAN_CATEGORY_ID reorders
	 * within the synthetic "Other", which only items without a category are in.
	 */
	toCategoryId?: CategoryId;
	/** Place before this item; null or absent means at the end. */
	beforeItemId?: ItemId | null;
}

export const moveItem = defineOp('moveItem', (args: MoveItemArgs) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	if (args.toCategoryId !== undefined && args.toCategoryId !== ORPHAN_CATEGORY_ID) {
		checkId<CategoryId>(args.toCategoryId, 'category');
	}
	if (args.beforeItemId === itemId) throw new TripOpError('invalid', 'an item cannot move before itself');
	return (d) => {
		const it = item(d, itemId);
		const from = placeOf(d, it);
		const to = args.toCategoryId ?? from;
		if (to === ORPHAN_CATEGORY_ID && from !== ORPHAN_CATEGORY_ID) {
			throw new TripOpError('invalid', '"Other" holds only items whose category is gone; pick a category');
		}
		if (to !== ORPHAN_CATEGORY_ID) category(d, to);
		// Remove from every list it may be in, even for a reorder: concurrent moves leave duplicates.
		const stored = asString(it.categoryId);
		for (const key of new Set([from, to, ...(stored && isDocId(stored) ? [stored] : [])])) {
			for (const list of orderLists(d, key)) removeAll(list, itemId);
		}
		insertInOrder(orderList(d, to), itemId, args.beforeItemId);
		if (to !== ORPHAN_CATEGORY_ID && stored !== to) it.categoryId = to;
	};
});

export const removeItem = defineOp('removeItem', (args: { itemId: ItemId }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	return (d) => {
		const it = item(d, itemId);
		const stored = asString(it.categoryId);
		for (const key of new Set([placeOf(d, it), ...(stored && isDocId(stored) ? [stored] : [])])) {
			for (const list of orderLists(d, key)) removeAll(list, itemId);
		}
		deleteEntry(d, 'items', itemId);
		deleteEntry(d, 'overrides', itemId);
		for (const [ruleId, rule] of entries(d, 'rules')) {
			if (asString(rule.itemId) === itemId) deleteEntry(d, 'rules', ruleId);
		}
	};
});
