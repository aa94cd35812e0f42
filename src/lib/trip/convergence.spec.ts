import * as A from '@automerge/automerge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getConflicts } from './conflicts';
import type { ItemId, PersonId } from './ids';
import { setQuantity, togglePacked } from './ops/items';
import type { TripDoc } from './schema';
import { action, apply } from './spec-arbitraries';
import { ALICE, BOB, fork, SHIRTS, smallTrip, SOCKS, runs, timeoutFor } from './spec-helpers';
import { converge, play, scenario } from './spec-converge';
import { readTrip } from './validate';

const BASE = smallTrip();
const WRITERS = [ALICE, BOB, 'carol' as PersonId, 'dave' as PersonId, 'erin' as PersonId];

function replicasOf(n: number, base = BASE): A.Doc<TripDoc>[] {
	return Array.from({ length: n }, (_, i) => fork(base, i + 2));
}

describe('concurrent editing on several replicas', () => {
	it(
		'converges to one identical, well-formed trip that keeps every added item not removed',
		{ timeout: timeoutFor(120_000) },
		() => {
			let runIndex = 0;
			fc.assert(
				fc.property(scenario(action, { min: 2, max: 4 }), ({ replicas: n, steps, order }) => {
					const docs = replicasOf(n);
					const added = new Set<ItemId>();
					const removed = new Set<ItemId>();
					let counter = 0;
					play(docs, steps, (doc, a, r) => {
						const result = apply(doc, a, { by: WRITERS[r], now: counter }, () => `r${r}n${counter++}`);
						if (result.addedItem && result.doc.items[result.addedItem]) added.add(result.addedItem);
						if (result.removedItem && !result.doc.items[result.removedItem]) removed.add(result.removedItem);
						return result.doc;
					});
					const { view } = converge(docs, order, runIndex++ % 8 === 0);
					for (const id of added) if (!removed.has(id)) expect(view.items[id], `item ${id} lost`).toBeDefined();
					for (const id of removed) expect(view.items[id]).toBeUndefined();
				}),
				{ numRuns: runs(1000) },
			);
		},
	);

	it(
		'shows concurrent writes of one quantity as a conflict naming every writer',
		{ timeout: timeoutFor(60_000) },
		() => {
			fc.assert(
				fc.property(
					fc.integer({ min: 2, max: 5 }),
					fc.array(action, { maxLength: 4 }),
					// Above the fixture's quantity (1), so every write really changes the value.
					fc.integer({ min: 2, max: 100 }),
					(n, noise, base) => {
						const docs = replicasOf(n).map((doc, i) =>
							setQuantity(doc, { itemId: SOCKS, quantity: base + i }, { by: WRITERS[i] }),
						);
						// Unrelated edits on the first replica must not hide the conflict.
						let counter = 0;
						for (const a of noise) {
							if ('itemId' in a && a.itemId === SOCKS) continue;
							if (a.kind === 'removeCategory' || a.kind === 'moveItem') continue;
							docs[0] = apply(docs[0]!, a, { by: WRITERS[0] }, () => `x${counter++}`).doc;
						}
						const merged = docs.reduce((acc, doc) => A.merge(acc, doc));
						const conflict = getConflicts(merged).find((c) => c.path.join('/') === `items/${SOCKS}/quantity`);
						expect(conflict?.values.map((v) => v.value).sort()).toEqual(docs.map((_, i) => base + i).sort());
						expect(conflict?.values.map((v) => v.by).sort()).toEqual(WRITERS.slice(0, n).sort());
						expect(conflict?.values[0]?.value).toBe(readTrip(merged).items[SOCKS]?.quantity.manualQuantity);
					},
				),
				{ numRuns: runs(150) },
			);
		},
	);

	it('shows a concurrent pack and unpack of the same item as a conflict', () => {
		const base = togglePacked(smallTrip(), { itemId: SHIRTS, packed: true });
		const a = togglePacked(fork(base, 2), { itemId: SHIRTS, packed: false }, { by: ALICE });
		const b = togglePacked(fork(base, 3), { itemId: SHIRTS, packed: true, personId: ALICE }, { by: BOB });
		// b wrote the same value it saw, so it is a no-op and there is nothing to conflict with.
		expect(getConflicts(A.merge(a, b))).toEqual([]);
		const c = togglePacked(fork(a, 4), { itemId: SHIRTS, packed: true }, { by: BOB });
		const d = togglePacked(fork(a, 5), { itemId: SHIRTS, packed: false, personId: ALICE }, { by: ALICE });
		expect(getConflicts(A.merge(c, d))).toEqual([]);
		const e = togglePacked(fork(base, 6), { itemId: SHIRTS, packed: false }, { by: ALICE });
		const f = togglePacked(
			togglePacked(fork(base, 7), { itemId: SHIRTS, packed: false }, { by: BOB }),
			{ itemId: SHIRTS, packed: true },
			{ by: BOB },
		);
		const conflicts = getConflicts(A.merge(e, f));
		expect(conflicts.map((c) => c.path.join('/'))).toEqual([`items/${SHIRTS}/packed/${ALICE}`]);
		expect(conflicts[0]?.values.map((v) => [v.value, v.by]).sort()).toEqual([
			[false, ALICE],
			[true, BOB],
		]);
	});
});
