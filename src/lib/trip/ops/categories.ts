// Categories: an ordered list of ids plus a map of names.
import { isDocId, newCategoryId, type CategoryId } from '../ids';
import { checkName, defineOp, isMap, notFound, removeAll, setText, TripOpError } from '../op';
import type { CategoryDoc, TripDoc } from '../schema';

function category(d: TripDoc, id: CategoryId): CategoryDoc {
	const found = isMap(d.categories) ? d.categories[id] : undefined;
	if (!isMap(found)) throw notFound('category', id);
	return found;
}

function ensureOrder(d: TripDoc): CategoryId[] {
	if (!Array.isArray(d.categoryOrder)) d.categoryOrder = [];
	return d.categoryOrder;
}

function insertBefore(list: CategoryId[], id: CategoryId, before: CategoryId | null | undefined): void {
	const at = before ? list.indexOf(before) : -1;
	if (at >= 0) list.splice(at, 0, id);
	else list.push(id);
}

export interface AddCategoryArgs {
	id?: CategoryId;
	name: string;
	beforeCategoryId?: CategoryId | null;
}

export const addCategory = defineOp(
	'addCategory',
	(args: AddCategoryArgs) => {
		const id = args.id ?? newCategoryId();
		if (!isDocId(id)) throw new TripOpError('invalid', 'category id is not a valid id');
		const name = checkName(args.name, 'category name');
		return (d) => {
			if (!isMap(d.categories)) d.categories = {};
			if (isMap(d.categories[id])) throw new TripOpError('invalid', `category ${id} already exists`);
			d.categories[id] = { name };
			insertBefore(ensureOrder(d), id, args.beforeCategoryId);
			if (!isMap(d.itemOrder)) d.itemOrder = {};
			// Created here, never lazily: two peers creating the same list concurrently would conflict
			// and one peer's insertions would be hidden behind the other's list.
			if (!Array.isArray(d.itemOrder[id])) d.itemOrder[id] = [];
		};
	},
	(args) => (args.id ? args : { ...args, id: newCategoryId() }),
);

export const renameCategory = defineOp('renameCategory', (args: { categoryId: CategoryId; name: string }) => {
	const name = checkName(args.name, 'category name');
	return (d) => setText(d, ['categories', args.categoryId, 'name'], category(d, args.categoryId), 'name', name);
});

export const moveCategory = defineOp(
	'moveCategory',
	(args: { categoryId: CategoryId; beforeCategoryId?: CategoryId | null }) => {
		if (args.beforeCategoryId === args.categoryId) {
			throw new TripOpError('invalid', 'a category cannot move before itself');
		}
		return (d) => {
			category(d, args.categoryId);
			const order = ensureOrder(d);
			removeAll(order, args.categoryId);
			insertBefore(order, args.categoryId, args.beforeCategoryId);
		};
	},
);

export interface RemoveCategoryArgs {
	categoryId: CategoryId;
	/** Where its items go; when absent they are removed with it. */
	moveItemsTo?: CategoryId;
}

export const removeCategory = defineOp('removeCategory', (args: RemoveCategoryArgs) => (d) => {
	category(d, args.categoryId);
	const target = args.moveItemsTo;
	if (target !== undefined && (target === args.categoryId || !isMap(d.categories[target]))) {
		throw notFound('category', target);
	}
	const items = isMap(d.items) ? d.items : {};
	const moved = Object.keys(items).filter((id) => isMap(items[id]) && items[id]?.categoryId === args.categoryId);
	for (const id of moved) {
		const it = items[id];
		if (!it) continue;
		if (target) it.categoryId = target;
		else delete d.items[id];
	}
	if (target) {
		if (!isMap(d.itemOrder)) d.itemOrder = {};
		if (!Array.isArray(d.itemOrder[target])) d.itemOrder[target] = [];
		d.itemOrder[target].push(...(moved as TripDoc['itemOrder'][string]));
	}
	if (isMap(d.itemOrder)) delete d.itemOrder[args.categoryId];
	delete d.categories[args.categoryId];
	removeAll(ensureOrder(d), args.categoryId);
});
