import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './genesis';
import type { ActivityId, CategoryId, IsoDate, ItemId, RuleId } from './ids';
import { parseChangeMessage } from './messages';
import { TripOpError } from './op';
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
import { createTrip, editNotes, renameTrip, setDates, setNotes, setTripMeta } from './ops/meta';
import { addPerson, linkPersonToUser, removePerson, renamePerson, setPersonColour } from './ops/people';
import { addActivity, removeActivity, setPlanText } from './ops/plan';
import { addRule, clearOverride, overrideQuantity, removeRule } from './ops/rules';
import { ALICE, BOB, CLOTHES, fork, SHIRTS, smallTrip, SOCKS, TOILETRIES, TOOTHPASTE } from './spec-helpers';
import { readTrip } from './validate';

const lastMessage = (doc: A.Doc<unknown>) => {
	const change = A.getLastLocalChange(doc);
	return change ? parseChangeMessage(A.decodeChange(change).message) : null;
};
const d = (s: string) => s as IsoDate;

describe('trip operations', () => {
	it('creates a trip with empty collections, the given meta and one plan entry per day', () => {
		const doc = createTrip({
			name: ' Rome ',
			startDate: d('2025-01-30'),
			endDate: d('2025-02-02'),
		});
		const view = readTrip(doc);
		expect(view).toMatchObject({
			name: 'Rome',
			startDate: '2025-01-30',
			endDate: '2025-02-02',
			days: 4,
		});
		expect(view.plan.map((p) => p.date)).toEqual(['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02']);
		expect(view.tripId).toMatch(/^[0-9a-f-]{36}$/);
		// The genesis, then the one change that made the trip.
		expect(A.getAllChanges(doc).map((c) => A.decodeChange(c).hash)).toEqual([GENESIS_HASH, A.getHeads(doc)[0]]);
	});

	it('refuses an empty trip name and an end before the start', () => {
		expect(() => createTrip({ name: '  ' })).toThrow(TripOpError);
		expect(() =>
			createTrip({
				name: 'x',
				startDate: d('2025-02-02'),
				endDate: d('2025-02-01'),
			}),
		).toThrow(/end on or after/);
		expect(() => createTrip({ name: 'x', startDate: d('2025-02-30') })).toThrow(/YYYY-MM-DD/);
	});

	it('renames the trip and sets the destination, each as one change naming the action and author', () => {
		let doc = smallTrip();
		const before = A.getAllChanges(doc).length;
		doc = renameTrip(doc, { name: 'Porto' }, { by: BOB });
		expect(lastMessage(doc)).toEqual({
			action: 'renameTrip',
			by: BOB,
			ids: {},
		});
		doc = setTripMeta(doc, { destination: 'North Portugal' }, { by: BOB });
		expect(A.getAllChanges(doc).length).toBe(before + 2);
		expect(readTrip(doc)).toMatchObject({
			name: 'Porto',
			destination: 'North Portugal',
		});
		expect(doc.actors[A.getActorId(doc)]).toBe(BOB);
	});

	it('moves the dates and keeps plan entries that fall outside the new range', () => {
		let doc = setPlanText(smallTrip(), {
			date: d('2025-06-06'),
			text: 'arrive',
		});
		doc = setDates(doc, {
			startDate: d('2025-06-07'),
			endDate: d('2025-06-10'),
		});
		const view = readTrip(doc);
		expect(view.days).toBe(4);
		expect(view.plan.find((p) => p.date === '2025-06-06')).toMatchObject({
			text: 'arrive',
			inRange: false,
		});
		expect(view.plan.filter((p) => p.inRange)).toHaveLength(4);
	});

	it('adds an item at the end of its category, or before a given item', () => {
		let doc = addItem(smallTrip(), {
			id: 'hat' as ItemId,
			name: 'Hat',
			categoryId: CLOTHES,
		});
		doc = addItem(doc, {
			id: 'belt' as ItemId,
			name: 'Belt',
			categoryId: CLOTHES,
			beforeItemId: SOCKS,
		});
		expect(readTrip(doc).categories[0]?.itemIds).toEqual([SHIRTS, 'belt', SOCKS, 'hat']);
		expect(readTrip(doc).items.hat).toMatchObject({
			name: 'Hat',
			owner: 'shared',
			notes: '',
			packed: false,
		});
	});

	it('records the generated id of a new item in the change message', () => {
		const doc = addItem(smallTrip(), { name: 'Cap', categoryId: CLOTHES });
		const id = lastMessage(doc)?.ids.id;
		expect(id && readTrip(doc).items[id]?.name).toBe('Cap');
	});

	it('refuses to add an item to an unknown category or for an unknown owner, leaving the doc unchanged', () => {
		const doc = smallTrip();
		const heads = A.getHeads(doc);
		expect(() => addItem(doc, { name: 'x', categoryId: 'nope' as CategoryId })).toThrow(/category nope/);
		expect(() => addItem(doc, { name: 'x', categoryId: CLOTHES, owner: 'ghost' as never })).toThrow(/person ghost/);
		expect(A.getHeads(doc)).toEqual(heads);
		expect(Object.keys(addItem(doc, { name: 'x', categoryId: CLOTHES }).items)).toHaveLength(4);
	});

	it('renames an item, sets its quantity, notes and owner', () => {
		let doc = renameItem(smallTrip(), { itemId: SOCKS, name: 'Wool socks' });
		doc = setQuantity(doc, { itemId: SOCKS, quantity: 4 });
		doc = setItemNotes(doc, { itemId: SOCKS, notes: 'the warm ones' });
		doc = setItemOwner(doc, { itemId: SOCKS, owner: BOB });
		expect(readTrip(doc).items[SOCKS]).toMatchObject({
			name: 'Wool socks',
			notes: 'the warm ones',
			owner: BOB,
			quantity: { effective: 4, source: 'manual' },
		});
		expect(() => setQuantity(doc, { itemId: SOCKS, quantity: -1 })).toThrow(TripOpError);
		expect(() => setQuantity(doc, { itemId: SOCKS, quantity: 1.5 })).toThrow(TripOpError);
	});

	it('toggles packed state per person: owner by default, explicit person for shared items', () => {
		let doc = togglePacked(smallTrip(), { itemId: SHIRTS });
		expect(readTrip(doc).items[SHIRTS]).toMatchObject({
			packed: true,
			packedBy: [ALICE],
		});
		doc = togglePacked(doc, { itemId: SHIRTS });
		expect(readTrip(doc).items[SHIRTS]?.packed).toBe(false);
		expect(() => togglePacked(doc, { itemId: SOCKS })).toThrow(/shared item/);
		doc = togglePacked(doc, { itemId: SOCKS, personId: BOB, packed: true });
		expect(readTrip(doc).items[SOCKS]).toMatchObject({
			packed: true,
			packedBy: [BOB],
		});
	});

	it('moves an item within its category and to another category', () => {
		let doc = moveItem(smallTrip(), { itemId: SOCKS, beforeItemId: SHIRTS });
		expect(readTrip(doc).categories[0]?.itemIds).toEqual([SOCKS, SHIRTS]);
		doc = moveItem(doc, {
			itemId: SOCKS,
			toCategoryId: TOILETRIES,
			beforeItemId: TOOTHPASTE,
		});
		const view = readTrip(doc);
		expect(view.categories.map((c) => c.itemIds)).toEqual([[SHIRTS], [SOCKS, TOOTHPASTE]]);
		expect(view.items[SOCKS]?.categoryId).toBe(TOILETRIES);
		expect(doc.itemOrder[CLOTHES]).toEqual([SHIRTS]);
	});

	it('removes an item together with its order entry, rules and override', () => {
		let doc = addRule(smallTrip(), {
			id: 'r1' as RuleId,
			itemId: SOCKS,
			kind: 'perPerson',
			amount: 2,
		});
		doc = overrideQuantity(doc, { itemId: SOCKS, quantity: 9 });
		doc = removeItem(doc, { itemId: SOCKS });
		expect(doc.items[SOCKS]).toBeUndefined();
		expect(doc.itemOrder[CLOTHES]).toEqual([SHIRTS]);
		expect(doc.rules).toEqual({});
		expect(doc.overrides).toEqual({});
		expect(() => removeItem(doc, { itemId: SOCKS })).toThrow(/does not exist/);
	});

	it('adds, renames, recolours and links people', () => {
		let doc = addPerson(smallTrip(), { id: 'kid' as never, name: 'Kid' });
		doc = renamePerson(doc, { personId: 'kid' as never, name: 'Little one' });
		doc = setPersonColour(doc, { personId: 'kid' as never, colour: '#ABCDEF' });
		doc = linkPersonToUser(doc, {
			personId: ALICE,
			userId: '11111111-2222-4333-8444-555555555555' as never,
		});
		const view = readTrip(doc);
		expect(view.peopleById.kid).toMatchObject({
			name: 'Little one',
			colour: '#abcdef',
			userId: null,
		});
		expect(view.peopleById[ALICE]?.userId).toBe('11111111-2222-4333-8444-555555555555');
		expect(() => setPersonColour(doc, { personId: ALICE, colour: 'red' })).toThrow(TripOpError);
	});

	it('removes a person: their items become shared and their ticks and rule scopes go', () => {
		let doc = togglePacked(smallTrip(), { itemId: SOCKS, personId: BOB });
		doc = addRule(doc, {
			id: 'r' as RuleId,
			itemId: SOCKS,
			kind: 'perPerson',
			amount: 1,
			people: [ALICE, BOB],
		});
		doc = removePerson(doc, { personId: ALICE });
		doc = removePerson(doc, { personId: BOB });
		const view = readTrip(doc);
		expect(view.people).toEqual([]);
		expect(view.items[SHIRTS]?.owner).toBe('shared');
		expect(doc.items[SOCKS]?.packed).toEqual({});
		expect(doc.rules.r?.people).toEqual([]);
	});

	it('adds, renames, reorders and removes categories', () => {
		let doc = addCategory(smallTrip(), {
			id: 'docs' as CategoryId,
			name: 'Documents',
			beforeCategoryId: CLOTHES,
		});
		doc = renameCategory(doc, {
			categoryId: 'docs' as CategoryId,
			name: 'Papers',
		});
		doc = moveCategory(doc, { categoryId: CLOTHES });
		expect(readTrip(doc).categories.map((c) => c.name)).toEqual(['Papers', 'Toiletries', 'Clothes']);
		doc = removeCategory(doc, { categoryId: CLOTHES, moveItemsTo: TOILETRIES });
		expect(readTrip(doc).categories.map((c) => c.itemIds)).toEqual([[], [TOOTHPASTE, SHIRTS, SOCKS]]);
		doc = removeCategory(doc, { categoryId: TOILETRIES });
		expect(readTrip(doc).items).toEqual({});
	});

	it('adds and removes rules and sets and clears overrides', () => {
		let doc = addRule(smallTrip(), {
			id: 'r' as RuleId,
			itemId: SOCKS,
			kind: 'perPersonPerDay',
			amount: 1,
		});
		expect(readTrip(doc).items[SOCKS]?.quantity).toMatchObject({
			ruleQuantity: 6,
			effective: 6,
			source: 'rule',
		});
		doc = overrideQuantity(doc, { itemId: SOCKS, quantity: 4 });
		expect(readTrip(doc).items[SOCKS]?.quantity).toMatchObject({
			ruleQuantity: 6,
			overrideQuantity: 4,
			effective: 4,
			source: 'override',
		});
		doc = clearOverride(doc, { itemId: SOCKS });
		expect(readTrip(doc).items[SOCKS]?.quantity.source).toBe('rule');
		doc = removeRule(doc, { ruleId: 'r' as RuleId });
		expect(readTrip(doc).items[SOCKS]?.quantity).toMatchObject({
			ruleQuantity: null,
			effective: 1,
			source: 'manual',
		});
		expect(() =>
			addRule(doc, {
				itemId: SOCKS,
				kind: 'perTrip',
				amount: 1,
				minDays: 5,
				maxDays: 2,
			}),
		).toThrow(TripOpError);
	});

	it('edits shared notes by splicing and by whole replacement', () => {
		let doc = setNotes(smallTrip(), { text: 'Bring cash' });
		doc = editNotes(doc, { index: 6, deleteCount: 0, insert: 'euro ' });
		expect(doc.notes).toBe('Bring euro cash');
		doc = editNotes(doc, { index: 100, deleteCount: 10, insert: '!' });
		expect(readTrip(doc).notes).toBe('Bring euro cash!');
	});

	it('sets plan text and adds and removes activities', () => {
		let doc = setPlanText(smallTrip(), {
			date: d('2025-06-07'),
			text: 'Sintra',
		});
		doc = addActivity(doc, {
			date: d('2025-06-07'),
			id: 'a1' as ActivityId,
			text: 'Pena palace',
		});
		doc = addActivity(doc, {
			date: d('2025-06-07'),
			id: 'a2' as ActivityId,
			text: 'Lunch',
			index: 0,
		});
		expect(readTrip(doc).plan.find((p) => p.date === '2025-06-07')).toMatchObject({
			text: 'Sintra',
			activities: [
				{ id: 'a2', text: 'Lunch' },
				{ id: 'a1', text: 'Pena palace' },
			],
		});
		doc = removeActivity(doc, {
			date: d('2025-06-07'),
			activityId: 'a2' as ActivityId,
		});
		expect(
			readTrip(doc)
				.plan.find((p) => p.date === '2025-06-07')
				?.activities.map((a) => a.id),
		).toEqual(['a1']);
		expect(() => setPlanText(doc, { date: d('7 June'), text: '' })).toThrow(/YYYY-MM-DD/);
	});

	it('merges concurrent renames of one item per character', () => {
		const base = smallTrip();
		const a = renameItem(fork(base, 2), { itemId: SOCKS, name: 'Wool Socks' });
		const b = renameItem(fork(base, 3), { itemId: SOCKS, name: 'Socks x5' });
		expect(A.merge(a, b).items[SOCKS]?.name).toBe('Wool Socks x5');
	});

	it('works with a recipe and message, as automerge-repo handle.change would call it', () => {
		const base = smallTrip();
		const args = addItem.prepare({ name: 'Scarf', categoryId: CLOTHES });
		const doc = A.change(base, { message: addItem.message(args, { by: BOB }) }, addItem.recipe(args, { by: BOB }));
		expect(args.id && readTrip(doc).items[args.id]?.name).toBe('Scarf');
		expect(lastMessage(doc)).toMatchObject({
			action: 'addItem',
			by: BOB,
			ids: { id: args.id, categoryId: CLOTHES },
		});
	});
});
