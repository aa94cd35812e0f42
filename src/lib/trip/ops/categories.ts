// Categories: an ordered list of ids plus a map of names.
import { listsAt } from '../conflicted';
import { newCategoryId, type CategoryId, type ItemId } from '../ids';
import { checkId, checkName, defineOp, removeAll, setText, TripOpError } from '../op';
import type { TripDoc } from '../schema';
import { category, deleteEntry, entries, orderList, writable } from './access';
import { placeOf } from './items';

/** The category order to insert into (a pre-genesis document may have raced to create two). */
function order(d: TripDoc): CategoryId[] {
	const [list] = listsAt(d, 'categoryOrder');
	if (list) return list as CategoryId[];
	d.categoryOrder = [];
	return d.categoryOrder;
}

function insertBefore(list: CategoryId[], id: CategoryId, before: CategoryId | null | undefined): void {
	const at = before ? list.indexOf(before) : -1;
	if (at >= 0) list.splice(at, 0, id);
	else list.push(id);
}

function removeFromOrder(d: TripDoc, id: CategoryId): void {
	for (const list of listsAt(d, 'categoryOrder')) removeAll(list as CategoryId[], id);
}

export interface AddCategoryArgs {
	id?: CategoryId;
	name: string;
	beforeCategoryId?: CategoryId | null;
}

export const addCategory = defineOp(
	'addCategory',
	(args: AddCategoryArgs) => {
		const id = args.id === undefined ? newCategoryId() : checkId<CategoryId>(args.id, 'category id');
		const name = checkName(args.name, 'category name');
		return (d) => {
			if (entries(d, 'categories').some(([known]) => known === id)) {
				throw new TripOpError('invalid', `category ${id} already exists`);
			}
			writable(d, 'categories')[id] = { name };
			insertBefore(order(d), id, args.beforeCategoryId);
			// Created with the category, by its one creator, never lazily: two peers creating the same
			// list concurrently would make two lists, and one peer's insertions would be hidden.
			orderList(d, id);
		};
	},
	(args) => (args.id ? args : { ...args, id: newCategoryId() }),
);

export const renameCategory = defineOp('renameCategory', (args: { categoryId: CategoryId; name: string }) => {
	const categoryId = checkId<CategoryId>(args.categoryId, 'category');
	const name = checkName(args.name, 'category name');
	return (d) => setText(category(d, categoryId) as never, 'name', name);
});

export const moveCategory = defineOp(
	'moveCategory',
	(args: { categoryId: CategoryId; beforeCategoryId?: CategoryId | null }) => {
		const categoryId = checkId<CategoryId>(args.categoryId, 'category');
		if (args.beforeCategoryId === categoryId) {
			throw new TripOpError('invalid', 'a category cannot move before itself');
		}
		return (d) => {
			category(d, categoryId);
			removeFromOrder(d, categoryId);
			insertBefore(order(d), categoryId, args.beforeCategoryId);
		};
	},
);

export interface RemoveCategoryArgs {
	categoryId: CategoryId;
	/** Where its items go; when absent they are removed with it. */
	moveItemsTo?: CategoryId;
}

export const removeCategory = defineOp('removeCategory', (args: RemoveCategoryArgs) => {
	const categoryId = checkId<CategoryId>(args.categoryId, 'category');
	const target = args.moveItemsTo === undefined ? undefined : checkId<CategoryId>(args.moveItemsTo, 'category');
	return (d) => {
		category(d, categoryId);
		if (target !== undefined && (target === categoryId || !entries(d, 'categories').some(([id]) => id === target))) {
			throw new TripOpError('not_found', `category ${target} does not exist`);
		}
		const moved = entries(d, 'items').filter(([, it]) => placeOf(d, it as never) === categoryId);
		for (const [id, it] of moved) {
			if (target) it.categoryId = target;
			else deleteEntry(d, 'items', id);
		}
		if (target) orderList(d, target).push(...moved.map(([id]) => id as ItemId));
		deleteEntry(d, 'itemOrder', categoryId);
		deleteEntry(d, 'categories', categoryId);
		removeFromOrder(d, categoryId);
	};
});
