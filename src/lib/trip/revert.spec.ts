import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { addItem, removeItem, renameItem, setQuantity, togglePacked } from './ops/items';
import { revertChanges } from './revert';
import { ALICE, BOB, CLOTHES, fork, SHIRTS, smallTrip, SOCKS } from './spec-helpers';
import type { TripDoc } from './schema';
import { readTrip } from './validate';

const lastHash = (doc: A.Doc<TripDoc>) => A.decodeChange(A.getLastLocalChange(doc)!).hash;
const revert = (doc: A.Doc<TripDoc>, hashes: string[]) => A.change(doc, revertChanges(doc, hashes)!);

describe('revertChanges', () => {
	it('undoes a tick, a quantity and a rename, each back to what it was', () => {
		const base = smallTrip();
		const ticked = togglePacked(fork(base, 5), { itemId: SOCKS, personId: ALICE }, { by: ALICE });
		expect(readTrip(revert(ticked, [lastHash(ticked)])).items[SOCKS]!.packedBy).toEqual([]);
		const q = setQuantity(fork(base, 6), { itemId: SOCKS, quantity: 7 }, { by: ALICE });
		expect(readTrip(revert(q, [lastHash(q)])).items[SOCKS]!.quantity.manualQuantity).toBe(
			readTrip(base).items[SOCKS]!.quantity.manualQuantity,
		);
		const renamed = renameItem(fork(base, 7), { itemId: SOCKS, name: 'Wool socks' }, { by: ALICE });
		expect(readTrip(revert(renamed, [lastHash(renamed)])).items[SOCKS]!.name).toBe(readTrip(base).items[SOCKS]!.name);
	});

	it('brings back a deleted item, and removes an added one', () => {
		const base = smallTrip();
		const gone = removeItem(fork(base, 5), { itemId: SHIRTS }, { by: BOB });
		const back = readTrip(revert(gone, [lastHash(gone)]));
		expect(back.items[SHIRTS]?.name).toBe(readTrip(base).items[SHIRTS]!.name);
		expect(back.categories.find((c) => c.id === CLOTHES)!.itemIds).toContain(SHIRTS);
		const added = addItem(fork(base, 6), { id: 'hat' as never, name: 'Hat', categoryId: CLOTHES }, { by: BOB });
		expect(readTrip(revert(added, [lastHash(added)])).items['hat']).toBeUndefined();
	});

	it('never overwrites what someone changed after it; all of one person’s changes go at once', () => {
		const base = smallTrip();
		const mine = setQuantity(fork(base, 2), { itemId: SOCKS, quantity: 3 }, { by: ALICE });
		const myHash = lastHash(mine);
		let theirs = A.merge(fork(base, 3), mine);
		theirs = setQuantity(theirs, { itemId: SOCKS, quantity: 9 }, { by: BOB });
		expect(revertChanges(theirs, [myHash])).toBeNull();

		let vandal = fork(base, 4);
		const hashes: string[] = [];
		for (const id of [SHIRTS, SOCKS]) {
			vandal = removeItem(vandal, { itemId: id }, { by: BOB });
			hashes.push(lastHash(vandal));
		}
		const restored = readTrip(revert(vandal, hashes));
		expect(Object.keys(restored.items).sort()).toEqual(Object.keys(readTrip(base).items).sort());
	});
});
