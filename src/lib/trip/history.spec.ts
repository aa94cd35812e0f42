import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { getConflicts, resolveConflict } from './conflicts';
import type { IsoDate } from './ids';
import { itemsChangedSince } from './history';
import { addItem, removeItem, renameItem, setQuantity, togglePacked } from './ops/items';
import { renameTrip, setDates, setTripMeta } from './ops/meta';
import { setPlanText } from './ops/plan';
import { overrideQuantity } from './ops/rules';
import { ALICE, BOB, CLOTHES, fork, SHIRTS, smallTrip, SOCKS, TOOTHPASTE } from './spec-helpers';
import { readTrip } from './validate';

describe('changes since I last looked', () => {
	it('lists items added, changed and removed since given heads, with who did it', () => {
		const base = smallTrip();
		const seen = A.getHeads(base);
		let a = addItem(fork(base, 2), { id: 'hat' as never, name: 'Hat', categoryId: CLOTHES }, { by: ALICE });
		a = overrideQuantity(a, { itemId: TOOTHPASTE, quantity: 3 }, { by: ALICE });
		let b = renameItem(fork(base, 3), { itemId: SOCKS, name: 'Wool socks' }, { by: BOB });
		b = togglePacked(b, { itemId: SOCKS, personId: BOB }, { by: BOB });
		b = removeItem(b, { itemId: SHIRTS }, { by: BOB });
		const merged = A.merge(a, b);
		const changes = itemsChangedSince(merged, seen).sort((x, y) => x.itemId.localeCompare(y.itemId));
		expect(changes).toEqual([
			{ itemId: 'hat', kind: 'added', by: [ALICE], actions: ['addItem'] },
			{ itemId: SHIRTS, kind: 'removed', by: [BOB], actions: ['removeItem'] },
			{
				itemId: SOCKS,
				kind: 'changed',
				by: [BOB],
				actions: ['renameItem', 'togglePacked'],
			},
			{
				itemId: TOOTHPASTE,
				kind: 'changed',
				by: [ALICE],
				actions: ['overrideQuantity'],
			},
		]);
		expect(itemsChangedSince(merged, A.getHeads(merged))).toEqual([]);
	});

	it('attributes changes without a message through the actor map', () => {
		const base = smallTrip();
		const a = renameItem(fork(base, 2), { itemId: SOCKS, name: 'x' }, { by: BOB });
		const raw = A.change(a, (d) => {
			d.items[SOCKS]!.quantity = 5;
		});
		expect(itemsChangedSince(raw, A.getHeads(a))).toEqual([{ itemId: SOCKS, kind: 'changed', by: [BOB], actions: [] }]);
	});
});

describe('conflicts', () => {
	it('finds concurrent writes to trip meta and item fields, naming each writer', () => {
		const base = smallTrip();
		const a = setQuantity(
			setTripMeta(fork(base, 2), { destination: 'Porto' }, { by: ALICE }),
			{ itemId: SOCKS, quantity: 2 },
			{ by: ALICE },
		);
		const b = setQuantity(fork(base, 3), { itemId: SOCKS, quantity: 5 }, { by: BOB });
		const conflicts = getConflicts(A.merge(a, b));
		expect(conflicts.map((c) => c.path.join('/'))).toEqual([`items/${SOCKS}/quantity`]);
		expect(conflicts[0]!.values.map((v) => [v.value, v.by]).sort()).toEqual([
			[2, ALICE],
			[5, BOB],
		]);
	});

	it('lists conflicts and builds the view in the same order on replicas that received keys in different orders', () => {
		// Found by the convergence property: an Automerge map lists its keys in arrival order.
		const base = smallTrip();
		const a = setPlanText(
			setDates(fork(base, 2), { startDate: '2025-06-04' as IsoDate, endDate: '2025-06-09' as IsoDate }, { by: ALICE }),
			{ date: '2025-06-05' as IsoDate, text: 'Arrive' },
			{ by: ALICE },
		);
		const b = setPlanText(
			setDates(fork(base, 3), { startDate: '2025-06-05' as IsoDate, endDate: '2025-06-10' as IsoDate }, { by: BOB }),
			{ date: '2025-06-10' as IsoDate, text: 'Leave' },
			{ by: BOB },
		);
		const ab = A.merge(A.clone(a), b);
		const ba = A.merge(A.clone(b), a);
		expect(Object.keys(ab.planEntries)).not.toEqual(Object.keys(ba.planEntries));
		expect(getConflicts(ab).length).toBeGreaterThan(1);
		expect(getConflicts(ab)).toEqual(getConflicts(ba));
		expect(JSON.stringify(readTrip(ab))).toBe(JSON.stringify(readTrip(ba)));
	});

	it('does not report concurrent text edits, which merge', () => {
		const base = smallTrip();
		const a = renameTrip(fork(base, 2), { name: 'Lisbon 2025' });
		const b = renameTrip(fork(base, 3), { name: 'Big Lisbon' });
		const merged = A.merge(a, b);
		expect(getConflicts(merged)).toEqual([]);
		expect(readTrip(merged).name).toBe('Big Lisbon 2025');
	});

	it('settles a conflict by writing the chosen value, after which none remains anywhere', () => {
		const base = smallTrip();
		const a = setQuantity(fork(base, 2), { itemId: SOCKS, quantity: 2 }, { by: ALICE });
		const b = setQuantity(fork(base, 3), { itemId: SOCKS, quantity: 5 }, { by: BOB });
		const merged = A.merge(a, b);
		const resolved = resolveConflict(merged, { path: ['items', SOCKS, 'quantity'], value: 5 }, { by: ALICE });
		expect(getConflicts(resolved)).toEqual([]);
		expect(readTrip(A.merge(fork(b, 4), resolved)).items[SOCKS]?.quantity.manualQuantity).toBe(5);
		expect(() =>
			resolveConflict(resolved, {
				path: ['items', 'ghost', 'quantity'],
				value: 1,
			}),
		).toThrow(/nothing at/);
	});
});
