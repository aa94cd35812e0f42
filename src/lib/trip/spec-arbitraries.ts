// fast-check generators for random user actions on a trip, shared by the property specs. Ids come
// from small pools so actions from different replicas collide on the same objects.
import type * as A from '@automerge/automerge';
import fc from 'fast-check';
import type { ActivityId, CategoryId, IsoDate, ItemId, PersonId, RuleId } from './ids';
import { isTripOpError, type OpContext } from './op';
import { addCategory, moveCategory, removeCategory, renameCategory } from './ops/categories';
import {
	addItem,
	moveItem,
	removeItem,
	renameItem,
	setItemNotes,
	setItemOwner,
	setQuantity,
	togglePacked,
} from './ops/items';
import { editNotes, renameTrip, setDates, setNotes } from './ops/meta';
import { addPerson, removePerson, renamePerson, setPersonColour } from './ops/people';
import { addActivity, removeActivity, setPlanText } from './ops/plan';
import { addRule, clearOverride, overrideQuantity, removeRule } from './ops/rules';
import type { TripDoc } from './schema';
import { ALICE, BOB, CLOTHES, SHIRTS, SOCKS, TOILETRIES, TOOTHPASTE } from './spec-helpers';

const PEOPLE = [ALICE, BOB, 'carol' as PersonId];
const CATEGORIES = [CLOTHES, TOILETRIES, 'extra' as CategoryId];
const ITEMS = [SHIRTS, SOCKS, TOOTHPASTE, 'i1', 'i2', 'i3'] as ItemId[];
const DATES = ['2025-06-05', '2025-06-06', '2025-06-07', '2025-06-09'] as IsoDate[];

const person = fc.constantFrom(...PEOPLE);
const category = fc.constantFrom(...CATEGORIES);
const item = fc.constantFrom(...ITEMS);
const maybeItem = fc.option(item, { nil: undefined });
const date = fc.constantFrom(...DATES);
const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim().length > 0);
const qty = fc.integer({ min: 0, max: 20 });

export type Action =
	| {
			kind: 'addItem';
			name: string;
			categoryId: CategoryId;
			owner: PersonId | 'shared';
			before?: ItemId;
	  }
	| { kind: 'renameItem'; itemId: ItemId; name: string }
	| { kind: 'setQuantity'; itemId: ItemId; quantity: number }
	| { kind: 'setItemNotes'; itemId: ItemId; notes: string }
	| { kind: 'setItemOwner'; itemId: ItemId; owner: PersonId | 'shared' }
	| { kind: 'togglePacked'; itemId: ItemId; personId: PersonId }
	| { kind: 'moveItem'; itemId: ItemId; to?: CategoryId; before?: ItemId }
	| { kind: 'removeItem'; itemId: ItemId }
	| { kind: 'addPerson'; personId: PersonId; name: string }
	| { kind: 'renamePerson'; personId: PersonId; name: string }
	| { kind: 'setPersonColour'; personId: PersonId; colour: string }
	| { kind: 'removePerson'; personId: PersonId }
	| { kind: 'addCategory'; categoryId: CategoryId; name: string }
	| { kind: 'renameCategory'; categoryId: CategoryId; name: string }
	| { kind: 'moveCategory'; categoryId: CategoryId; before?: CategoryId }
	| { kind: 'removeCategory'; categoryId: CategoryId; to: CategoryId }
	| {
			kind: 'addRule';
			itemId: ItemId;
			amount: number;
			per: 'perPerson' | 'perPersonPerDay' | 'perTrip';
	  }
	| { kind: 'removeRule'; ruleIndex: number }
	| { kind: 'overrideQuantity'; itemId: ItemId; quantity: number }
	| { kind: 'clearOverride'; itemId: ItemId }
	| { kind: 'editNotes'; index: number; deleteCount: number; insert: string }
	| { kind: 'setNotes'; text: string }
	| { kind: 'setPlanText'; date: IsoDate; text: string }
	| { kind: 'addActivity'; date: IsoDate; text: string }
	| { kind: 'removeActivity'; date: IsoDate; index: number }
	| { kind: 'setDates'; start: IsoDate; end: IsoDate }
	| { kind: 'renameTrip'; name: string };

export const action: fc.Arbitrary<Action> = fc.oneof(
	{
		arbitrary: fc.record({
			kind: fc.constant('addItem' as const),
			name,
			categoryId: category,
			owner: fc.oneof(person, fc.constant('shared' as const)),
			before: maybeItem,
		}),
		weight: 4,
	},
	{
		arbitrary: fc.record({
			kind: fc.constant('renameItem' as const),
			itemId: item,
			name,
		}),
		weight: 2,
	},
	{
		arbitrary: fc.record({
			kind: fc.constant('setQuantity' as const),
			itemId: item,
			quantity: qty,
		}),
		weight: 2,
	},
	fc.record({
		kind: fc.constant('setItemNotes' as const),
		itemId: item,
		notes: fc.string({ maxLength: 10 }),
	}),
	fc.record({
		kind: fc.constant('setItemOwner' as const),
		itemId: item,
		owner: fc.oneof(person, fc.constant('shared' as const)),
	}),
	{
		arbitrary: fc.record({
			kind: fc.constant('togglePacked' as const),
			itemId: item,
			personId: person,
		}),
		weight: 3,
	},
	{
		arbitrary: fc.record({
			kind: fc.constant('moveItem' as const),
			itemId: item,
			to: fc.option(category, { nil: undefined }),
			before: maybeItem,
		}),
		weight: 2,
	},
	fc.record({ kind: fc.constant('removeItem' as const), itemId: item }),
	fc.record({
		kind: fc.constant('addPerson' as const),
		personId: person,
		name,
	}),
	fc.record({
		kind: fc.constant('renamePerson' as const),
		personId: person,
		name,
	}),
	fc.record({
		kind: fc.constant('setPersonColour' as const),
		personId: person,
		colour: fc.constantFrom('#ff0000', '#00ff00', '#0000ff'),
	}),
	fc.record({ kind: fc.constant('removePerson' as const), personId: person }),
	fc.record({
		kind: fc.constant('addCategory' as const),
		categoryId: category,
		name,
	}),
	fc.record({
		kind: fc.constant('renameCategory' as const),
		categoryId: category,
		name,
	}),
	fc.record({
		kind: fc.constant('moveCategory' as const),
		categoryId: category,
		before: fc.option(category, { nil: undefined }),
	}),
	fc.record({
		kind: fc.constant('removeCategory' as const),
		categoryId: category,
		to: category,
	}),
	fc.record({
		kind: fc.constant('addRule' as const),
		itemId: item,
		amount: fc.integer({ min: 0, max: 3 }),
		per: fc.constantFrom('perPerson' as const, 'perPersonPerDay' as const, 'perTrip' as const),
	}),
	fc.record({ kind: fc.constant('removeRule' as const), ruleIndex: fc.nat(5) }),
	fc.record({
		kind: fc.constant('overrideQuantity' as const),
		itemId: item,
		quantity: qty,
	}),
	fc.record({ kind: fc.constant('clearOverride' as const), itemId: item }),
	{
		arbitrary: fc.record({
			kind: fc.constant('editNotes' as const),
			index: fc.nat(30),
			deleteCount: fc.nat(3),
			insert: fc.string({ maxLength: 5 }),
		}),
		weight: 2,
	},
	fc.record({
		kind: fc.constant('setNotes' as const),
		text: fc.string({ maxLength: 12 }),
	}),
	fc.record({
		kind: fc.constant('setPlanText' as const),
		date,
		text: fc.string({ maxLength: 10 }),
	}),
	fc.record({ kind: fc.constant('addActivity' as const), date, text: name }),
	fc.record({
		kind: fc.constant('removeActivity' as const),
		date,
		index: fc.nat(3),
	}),
	fc.record({
		kind: fc.constant('setDates' as const),
		start: fc.constantFrom(...DATES.slice(0, 2)),
		end: fc.constantFrom(...DATES.slice(2)),
	}),
	fc.record({ kind: fc.constant('renameTrip' as const), name }),
);

export interface Applied {
	doc: A.Doc<TripDoc>;
	/** Set when the action added an item. */
	addedItem?: ItemId;
	/** Set when the action removed an item. */
	removedItem?: ItemId;
}

/**
 * Applies an action as the given person; refused actions (unknown targets) leave the document
 * as it was, like a UI button that is disabled. `fresh` makes new ids unique per replica.
 */
export function apply(doc: A.Doc<TripDoc>, a: Action, ctx: OpContext, fresh: () => string): Applied {
	try {
		return run(doc, a, ctx, fresh);
	} catch (e) {
		if (isTripOpError(e)) return { doc };
		throw e;
	}
}

function run(doc: A.Doc<TripDoc>, a: Action, ctx: OpContext, fresh: () => string): Applied {
	switch (a.kind) {
		case 'addItem': {
			const id = fresh() as ItemId;
			const next = addItem(
				doc,
				{
					id,
					name: a.name,
					categoryId: a.categoryId,
					owner: a.owner,
					beforeItemId: a.before,
				},
				ctx,
			);
			return { doc: next, addedItem: id };
		}
		case 'renameItem':
			return { doc: renameItem(doc, a, ctx) };
		case 'setQuantity':
			return { doc: setQuantity(doc, a, ctx) };
		case 'setItemNotes':
			return { doc: setItemNotes(doc, a, ctx) };
		case 'setItemOwner':
			return { doc: setItemOwner(doc, a, ctx) };
		case 'togglePacked':
			return { doc: togglePacked(doc, a, ctx) };
		case 'moveItem':
			return {
				doc: moveItem(
					doc,
					{
						itemId: a.itemId,
						toCategoryId: a.to,
						beforeItemId: a.before === a.itemId ? null : a.before,
					},
					ctx,
				),
			};
		case 'removeItem':
			return { doc: removeItem(doc, a, ctx), removedItem: a.itemId };
		case 'addPerson':
			return { doc: addPerson(doc, { id: a.personId, name: a.name }, ctx) };
		case 'renamePerson':
			return { doc: renamePerson(doc, a, ctx) };
		case 'setPersonColour':
			return { doc: setPersonColour(doc, a, ctx) };
		case 'removePerson':
			return { doc: removePerson(doc, a, ctx) };
		case 'addCategory':
			return { doc: addCategory(doc, { id: a.categoryId, name: a.name }, ctx) };
		case 'renameCategory':
			return { doc: renameCategory(doc, a, ctx) };
		case 'moveCategory':
			return {
				doc: moveCategory(
					doc,
					{
						categoryId: a.categoryId,
						beforeCategoryId: a.before === a.categoryId ? null : a.before,
					},
					ctx,
				),
			};
		case 'removeCategory':
			return {
				doc: removeCategory(doc, { categoryId: a.categoryId, moveItemsTo: a.to }, ctx),
			};
		case 'addRule':
			return {
				doc: addRule(
					doc,
					{
						id: fresh() as RuleId,
						itemId: a.itemId,
						kind: a.per,
						amount: a.amount,
					},
					ctx,
				),
			};
		case 'removeRule': {
			const ids = Object.keys(doc.rules ?? {}).sort();
			const ruleId = ids[a.ruleIndex % Math.max(1, ids.length)];
			return ruleId ? { doc: removeRule(doc, { ruleId: ruleId as RuleId }, ctx) } : { doc };
		}
		case 'overrideQuantity':
			return { doc: overrideQuantity(doc, a, ctx) };
		case 'clearOverride':
			return { doc: clearOverride(doc, a, ctx) };
		case 'editNotes':
			return { doc: editNotes(doc, a, ctx) };
		case 'setNotes':
			return { doc: setNotes(doc, a, ctx) };
		case 'setPlanText':
			return { doc: setPlanText(doc, a, ctx) };
		case 'addActivity':
			return {
				doc: addActivity(doc, { date: a.date, id: fresh() as ActivityId, text: a.text }, ctx),
			};
		case 'removeActivity': {
			const act = doc.plan?.[a.date]?.activities?.[a.index];
			return act
				? {
						doc: removeActivity(doc, { date: a.date, activityId: act.id }, ctx),
					}
				: { doc };
		}
		case 'setDates':
			return {
				doc: setDates(doc, { startDate: a.start, endDate: a.end }, ctx),
			};
		case 'renameTrip':
			return { doc: renameTrip(doc, a, ctx) };
	}
}
