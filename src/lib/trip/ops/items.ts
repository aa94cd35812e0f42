// Item operations: add, rename, quantity, notes, owner, packing, move, remove.
import { isDocId, newItemId, type CategoryId, type ItemId, type PersonId } from '../ids';
import { checkName, checkQuantity, checkText, defineOp, isMap, notFound, removeAll, setText, TripOpError } from '../op';
import { SHARED, type ItemDoc, type Owner, type TripDoc } from '../schema';

function checkId<T extends string>(value: unknown, what: string): T {
	if (!isDocId(value)) throw new TripOpError('invalid', `${what} is not a valid id`);
	return value as T;
}

function checkOwner(value: unknown): Owner {
	return value === SHARED ? SHARED : checkId<PersonId>(value, 'owner');
}

function item(d: TripDoc, id: ItemId): ItemDoc {
	const found = isMap(d.items) ? d.items[id] : undefined;
	if (!isMap(found)) throw notFound('item', id);
	return found;
}

function requireCategory(d: TripDoc, id: CategoryId): void {
	if (!isMap(d.categories) || !isMap(d.categories[id])) throw notFound('category', id);
}

function requireOwner(d: TripDoc, owner: Owner): void {
	if (owner !== SHARED && (!isMap(d.people) || !isMap(d.people[owner]))) throw notFound('person', owner);
}

function orderOf(d: TripDoc, categoryId: CategoryId): ItemId[] {
	if (!isMap(d.itemOrder)) d.itemOrder = {};
	const list = d.itemOrder[categoryId];
	if (Array.isArray(list)) return list;
	d.itemOrder[categoryId] = [];
	return d.itemOrder[categoryId];
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
			requireCategory(d, categoryId);
			requireOwner(d, owner);
			if (!isMap(d.items)) d.items = {};
			if (isMap(d.items[id])) throw new TripOpError('invalid', `item ${id} already exists`);
			d.items[id] = {
				name,
				categoryId,
				owner,
				quantity,
				notes,
				packed: {},
				createdBy: ctx.by ?? null,
				createdAt: ctx.now ?? Date.now(),
			};
			insertInOrder(orderOf(d, categoryId), id, args.beforeItemId);
		};
	},
	(args) => (args.id ? args : { ...args, id: newItemId() }),
);

export const renameItem = defineOp('renameItem', (args: { itemId: ItemId; name: string }) => {
	const name = checkName(args.name, 'item name');
	return (d) => setText(d, ['items', args.itemId, 'name'], item(d, args.itemId), 'name', name);
});

export const setQuantity = defineOp('setQuantity', (args: { itemId: ItemId; quantity: number }) => {
	const quantity = checkQuantity(args.quantity);
	return (d) => {
		const it = item(d, args.itemId);
		if (it.quantity !== quantity) it.quantity = quantity;
	};
});

export const setItemNotes = defineOp('setItemNotes', (args: { itemId: ItemId; notes: string }) => {
	const notes = checkText(args.notes, 'notes');
	return (d) => setText(d, ['items', args.itemId, 'notes'], item(d, args.itemId), 'notes', notes);
});

export const setItemOwner = defineOp('setItemOwner', (args: { itemId: ItemId; owner: Owner }) => {
	const owner = checkOwner(args.owner);
	return (d) => {
		const it = item(d, args.itemId);
		requireOwner(d, owner);
		if (it.owner !== owner) it.owner = owner;
	};
});

export interface TogglePackedArgs {
	itemId: ItemId;
	/** Who packs; defaults to the owner of a personal item. Required for shared items. */
	personId?: PersonId;
	/** The new state; omitted means flip the current one. */
	packed?: boolean;
}

export const togglePacked = defineOp('togglePacked', (args: TogglePackedArgs) => {
	if (args.personId !== undefined) checkId<PersonId>(args.personId, 'person');
	return (d) => {
		const it = item(d, args.itemId);
		const person = args.personId ?? (it.owner !== SHARED ? it.owner : undefined);
		if (!person) throw new TripOpError('invalid', 'say who packed a shared item');
		requireOwner(d, person);
		if (!isMap(it.packed)) it.packed = {};
		const next = args.packed ?? it.packed[person] !== true;
		if (it.packed[person] !== next) it.packed[person] = next;
	};
});

export interface MoveItemArgs {
	itemId: ItemId;
	/** Target category; defaults to the item's current one (a reorder). */
	toCategoryId?: CategoryId;
	/** Place before this item; null or absent means at the end. */
	beforeItemId?: ItemId | null;
}

export const moveItem = defineOp('moveItem', (args: MoveItemArgs) => {
	if (args.toCategoryId !== undefined) checkId<CategoryId>(args.toCategoryId, 'category');
	if (args.beforeItemId === args.itemId) throw new TripOpError('invalid', 'an item cannot move before itself');
	return (d) => {
		const it = item(d, args.itemId);
		const from = it.categoryId;
		const to = args.toCategoryId ?? from;
		requireCategory(d, to);
		// Remove from both lists even for a reorder: a concurrent move may have left a duplicate.
		const source = isMap(d.itemOrder) ? d.itemOrder[from] : undefined;
		if (Array.isArray(source)) removeAll(source, args.itemId);
		const target = orderOf(d, to);
		removeAll(target, args.itemId);
		insertInOrder(target, args.itemId, args.beforeItemId);
		if (it.categoryId !== to) it.categoryId = to;
	};
});

export const removeItem = defineOp('removeItem', (args: { itemId: ItemId }) => (d) => {
	const it = item(d, args.itemId);
	const listed = isMap(d.itemOrder) ? d.itemOrder[it.categoryId] : undefined;
	if (Array.isArray(listed)) removeAll(listed, args.itemId);
	delete d.items[args.itemId];
	if (isMap(d.overrides) && args.itemId in d.overrides) delete d.overrides[args.itemId];
	if (isMap(d.rules)) {
		for (const [ruleId, rule] of Object.entries(d.rules)) {
			if (isMap(rule) && rule.itemId === args.itemId) delete d.rules[ruleId];
		}
	}
});
