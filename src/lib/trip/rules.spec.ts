import { describe, expect, it } from 'vitest';
import type { IsoDate, PersonId } from './ids';
import { setItemOwner } from './ops/items';
import { setDates } from './ops/meta';
import { addPerson, removePerson } from './ops/people';
import { addRule, overrideQuantity } from './ops/rules';
import { resolveQuantity, ruleApplies, ruleQuantity, type RuleInput } from './rules';
import { ALICE, BOB, SHIRTS, smallTrip, SOCKS } from './spec-helpers';
import { readTrip } from './validate';

const rule = (r: Partial<RuleInput>): RuleInput => ({
	kind: 'perTrip',
	amount: 1,
	minDays: null,
	maxDays: null,
	people: null,
	...r,
});
const people = [ALICE, BOB, 'carol' as PersonId];

describe('quantity rules', () => {
	it('computes per trip, per person and per person per day', () => {
		const ctx = { days: 4, people };
		expect(ruleQuantity(rule({ amount: 2 }), 'shared', ctx)).toBe(2);
		expect(ruleQuantity(rule({ kind: 'perPerson', amount: 2 }), 'shared', ctx)).toBe(6);
		expect(ruleQuantity(rule({ kind: 'perPersonPerDay' }), 'shared', ctx)).toBe(12);
	});

	it('counts only the owner for a personal item and only scoped people for a scoped rule', () => {
		const ctx = { days: 4, people };
		expect(ruleQuantity(rule({ kind: 'perPersonPerDay' }), ALICE, ctx)).toBe(4);
		expect(ruleQuantity(rule({ kind: 'perPerson', people: [BOB, 'gone' as PersonId] }), 'shared', ctx)).toBe(1);
		expect(ruleQuantity(rule({ kind: 'perPerson', people: [BOB] }), ALICE, ctx)).toBe(0);
	});

	it('applies a length condition only when the trip length is known and within it', () => {
		expect(ruleApplies(rule({ minDays: 5 }), 5)).toBe(true);
		expect(ruleApplies(rule({ minDays: 5 }), 4)).toBe(false);
		expect(ruleApplies(rule({ maxDays: 3 }), 4)).toBe(false);
		expect(ruleApplies(rule({ minDays: 2 }), null)).toBe(false);
		expect(ruleApplies(rule({}), null)).toBe(true);
	});

	it('lets an override win over rules, and rules over the manual quantity', () => {
		const ctx = { days: 2, people };
		expect(resolveQuantity([rule({ amount: 3 })], 'shared', 1, 7, ctx)).toEqual({
			ruleQuantity: 3,
			overrideQuantity: 7,
			manualQuantity: 1,
			effective: 7,
			source: 'override',
		});
		expect(resolveQuantity([rule({ amount: 3 }), rule({ kind: 'perPerson' })], 'shared', 1, null, ctx)).toMatchObject({
			effective: 6,
			source: 'rule',
		});
		expect(resolveQuantity([], 'shared', 4, null, ctx)).toMatchObject({
			ruleQuantity: null,
			effective: 4,
			source: 'manual',
		});
	});

	it('recomputes quantities when the dates or the people change, without a write', () => {
		let doc = addRule(smallTrip(), {
			itemId: SOCKS,
			kind: 'perPersonPerDay',
			amount: 1,
		});
		expect(readTrip(doc).items[SOCKS]?.quantity.effective).toBe(6);
		doc = setDates(doc, {
			startDate: '2025-06-01' as IsoDate,
			endDate: '2025-06-07' as IsoDate,
		});
		expect(readTrip(doc).items[SOCKS]?.quantity.effective).toBe(14);
		doc = addPerson(doc, { id: 'carol' as PersonId, name: 'Carol' });
		expect(readTrip(doc).items[SOCKS]?.quantity.effective).toBe(21);
		doc = removePerson(doc, { personId: BOB });
		expect(readTrip(doc).items[SOCKS]?.quantity.effective).toBe(14);
	});

	it('keeps an override until it is cleared even when the rule result changes', () => {
		let doc = addRule(smallTrip(), {
			itemId: SHIRTS,
			kind: 'perPersonPerDay',
			amount: 1,
		});
		doc = overrideQuantity(doc, { itemId: SHIRTS, quantity: 2 });
		doc = setItemOwner(doc, { itemId: SHIRTS, owner: 'shared' });
		expect(readTrip(doc).items[SHIRTS]?.quantity).toMatchObject({
			ruleQuantity: 6,
			overrideQuantity: 2,
			effective: 2,
			source: 'override',
		});
	});
});
