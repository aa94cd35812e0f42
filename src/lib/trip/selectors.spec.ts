import { describe, expect, it } from 'vitest';
import type { IsoDate } from './ids';
import { setDates } from './ops/meta';
import { setItemOwner, togglePacked } from './ops/items';
import { addRule } from './ops/rules';
import { itemsByCategory, itemsByPerson, packersOf, packingProgress, planDays } from './selectors';
import { ALICE, BOB, SHIRTS, smallTrip, SOCKS, TOOTHPASTE } from './spec-helpers';
import { readTrip } from './validate';

describe('selectors', () => {
	it('groups items by category in category and item order', () => {
		const groups = itemsByCategory(readTrip(smallTrip()));
		expect(groups.map((g) => [g.category.name, g.items.map((i) => i.name)])).toEqual([
			['Clothes', ['T-shirts', 'Socks']],
			['Toiletries', ['Toothpaste']],
		]);
	});

	it('groups items by owner, with shared items last', () => {
		const doc = setItemOwner(smallTrip(), { itemId: TOOTHPASTE, owner: BOB });
		const groups = itemsByPerson(readTrip(doc));
		expect(groups.map((g) => [g.person?.name ?? 'shared', g.items.map((i) => i.id)])).toEqual([
			['Alice', [SHIRTS]],
			['Bob', [TOOTHPASTE]],
			['shared', [SOCKS]],
		]);
	});

	it('counts packing progress per person, for shared items and overall', () => {
		let doc = togglePacked(smallTrip(), { itemId: SHIRTS });
		doc = togglePacked(doc, { itemId: SOCKS, personId: BOB });
		const progress = packingProgress(readTrip(doc));
		expect(progress.byPerson[ALICE]).toEqual({ packed: 1, total: 1, ratio: 1 });
		expect(progress.byPerson[BOB]).toEqual({ packed: 0, total: 0, ratio: 1 });
		expect(progress.shared).toEqual({ packed: 1, total: 2, ratio: 0.5 });
		expect(progress.overall).toEqual({ packed: 2, total: 3, ratio: 2 / 3 });
	});

	it('leaves items that rules make unnecessary out of the progress', () => {
		const doc = addRule(smallTrip(), {
			itemId: TOOTHPASTE,
			kind: 'perTrip',
			amount: 1,
			minDays: 10,
		});
		expect(packingProgress(readTrip(doc)).overall.total).toBe(2);
	});

	it('lets the owner pack a personal item and anyone pack a shared one', () => {
		const view = readTrip(smallTrip());
		expect(packersOf(view, view.items[SHIRTS]!)).toEqual([ALICE]);
		expect(packersOf(view, view.items[SOCKS]!)).toEqual([ALICE, BOB]);
	});

	it('lists plan days within the dates only', () => {
		const doc = setDates(smallTrip(), {
			startDate: '2025-06-07' as IsoDate,
			endDate: '2025-06-08' as IsoDate,
		});
		expect(planDays(readTrip(doc)).map((d) => d.date)).toEqual(['2025-06-07', '2025-06-08']);
	});
});
