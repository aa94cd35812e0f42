// Regression tests for documents a buggy or hostile peer wrote (issue 8, cases 4–9 and 12, and
// the view guarantees the UI relies on): nothing throws but TripOpError, and the view exports.
import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { getConflicts, resolveConflict } from './conflicts';
import { exportCsv, exportHtml, exportJson, exportMarkdown } from './export';
import { itemsChangedSince } from './history';
import { importTrip } from './import';
import type { CategoryId, IsoDate, ItemId, PersonId, UserId } from './ids';
import { parseChangeMessage } from './messages';
import { migrate } from './migrations';
import { isTripOpError, type TripOp } from './op';
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
import { editNotes, renameTrip, setDates, setNotes, setTripMeta } from './ops/meta';
import { addMember, addPerson, linkPersonToUser, removePerson, renamePerson, setPersonColour } from './ops/people';
import { addActivity, removeActivity, setPlanText } from './ops/plan';
import { addRule, clearOverride, overrideQuantity, removeRule } from './ops/rules';
import { ORPHAN_CATEGORY_ID, type TripDoc, type TripView } from './schema';
import { itemsByCategory, itemsByPerson, packingProgress, planDays } from './selectors';
import {
	ALICE,
	BOB,
	CLOTHES,
	fork,
	SHIRTS,
	smallTrip,
	SOCKS,
	TOILETRIES,
	TOOTHPASTE,
	viewProblems,
} from './spec-helpers';
import { readTrip } from './validate';

type Backend = ReturnType<typeof A.getBackend>;

/** Writes through Automerge's low-level API, as a peer running other code could. */
function raw(doc: A.Doc<TripDoc>, edit: (b: Backend, at: (...path: string[]) => string) => void): A.Doc<TripDoc> {
	const b = A.getBackend(doc).fork();
	const at = (...path: string[]) => {
		let node: unknown = doc;
		for (const key of path) node = (node as Record<string, unknown>)[key];
		return A.getObjectId(node as object) as string;
	};
	edit(b, at);
	b.commit('hostile');
	return A.merge(A.clone(doc), A.load<TripDoc>(b.save()));
}

const EVIL_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

function hostileTrip(): A.Doc<TripDoc> {
	return raw(smallTrip(), (b, at) => {
		for (const root of [
			'people',
			'categories',
			'items',
			'itemOrder',
			'rules',
			'overrides',
			'planEntries',
			'actors',
			'meta',
		]) {
			for (const key of EVIL_KEYS) {
				const obj = b.putObject(at(root), key, {});
				b.putObject(obj, 'name', {});
				b.put(obj, 'categoryId', key);
				b.put(obj, 'date', '2025-06-07');
			}
		}
		b.putObject(at('items', SOCKS), 'categoryId', { evil: true });
		b.putObject(at('items', SHIRTS), 'owner', ['x']);
		b.putObject(at('items', TOOTHPASTE), 'packed', [true]);
		b.putObject(at('people', BOB), 'name', { x: 1 });
		b.insertObject(at('categoryOrder'), 0, { x: 1 });
		b.put(at('meta'), 'name', '   ');
	});
}

const OPS: [TripOp<never>, unknown][] = [];
const op = <Args>(o: TripOp<Args>, args: Args) => OPS.push([o as TripOp<never>, args]);
for (const id of [SOCKS, SHIRTS, TOOTHPASTE, ...EVIL_KEYS] as ItemId[]) {
	op(renameItem, { itemId: id, name: 'Renamed' });
	op(setQuantity, { itemId: id, quantity: 2 });
	op(setItemNotes, { itemId: id, notes: 'n' });
	op(setItemOwner, { itemId: id, owner: ALICE });
	op(togglePacked, { itemId: id, personId: ALICE });
	op(togglePacked, { itemId: id });
	op(moveItem, { itemId: id, toCategoryId: TOILETRIES });
	op(moveItem, { itemId: id });
	op(moveItem, { itemId: id, toCategoryId: ORPHAN_CATEGORY_ID });
	op(overrideQuantity, { itemId: id, quantity: 3 });
	op(clearOverride, { itemId: id });
	op(addRule, { itemId: id, kind: 'perPerson', amount: 1, people: [ALICE] });
	op(removeItem, { itemId: id });
}
for (const id of [CLOTHES, TOILETRIES, ...EVIL_KEYS] as CategoryId[]) {
	op(addItem, { name: 'New', categoryId: id });
	op(addCategory, { id, name: 'C' });
	op(renameCategory, { categoryId: id, name: 'C' });
	op(moveCategory, { categoryId: id, beforeCategoryId: CLOTHES });
	op(removeCategory, { categoryId: id, moveItemsTo: TOILETRIES });
}
for (const id of [ALICE, BOB, ...EVIL_KEYS] as PersonId[]) {
	op(addPerson, { id, name: 'P' });
	op(renamePerson, { personId: id, name: 'P' });
	op(setPersonColour, { personId: id, colour: '#123456' });
	op(linkPersonToUser, { personId: id, userId: null });
	op(removePerson, { personId: id });
}
op(addMember, { userId: 'a5e13cdf-d885-4d46-a44f-82ee72240112' as UserId, name: 'M' });
op(removeRule, { ruleId: '__proto__' as never });
for (const date of ['2025-06-07', '2030-01-01'] as IsoDate[]) {
	op(setPlanText, { date, text: 'Plan' });
	op(addActivity, { date, text: 'Go', index: 5 });
	op(removeActivity, { date, activityId: 'constructor' as never });
}
op(setDates, { startDate: '2025-06-01' as IsoDate, endDate: '2025-06-02' as IsoDate });
op(renameTrip, { name: 'T' });
op(setTripMeta, { name: 'T', destination: 'D' });
op(setNotes, { text: 'N' });
op(editNotes, { index: 3, deleteCount: 1, insert: 'x' });
op(resolveConflict, { path: ['__proto__', 'x'], value: 1 });
op(resolveConflict, { path: ['items', 'constructor', 'name'], value: 'x' });

function exportsAndImports(view: TripView): void {
	const json = exportJson(view);
	const back = importTrip(json);
	expect(back.ok ? [] : back.errors).toEqual([]);
	if (back.ok) expect(exportJson(readTrip(back.doc))).toBe(json);
}

describe('documents from hostile or buggy peers', () => {
	it(
		'5, 6. never throw anything but TripOpError from migrate, operations, selectors or exports',
		{ timeout: 60_000 },
		() => {
			const doc = hostileTrip();
			const since = A.getHeads(doc);
			const migrated = migrate(A.change(doc, (d) => void (d.schemaVersion = 0)));
			let refused = 0;
			for (const start of [doc, migrated]) {
				for (const [o, args] of OPS) {
					let next: A.Doc<TripDoc> = start;
					try {
						next = o(A.clone(start), args as never, { by: ALICE });
					} catch (e) {
						if (!isTripOpError(e)) throw new Error(`${o.action}(${JSON.stringify(args)}) threw ${String(e)}`);
						refused++;
					}
					const view = readTrip(next);
					expect(viewProblems(view)).toEqual([]);
					itemsByCategory(view);
					itemsByPerson(view);
					packingProgress(view);
					planDays(view);
					getConflicts(next);
					itemsChangedSince(next, since);
					exportCsv(view);
					exportMarkdown(view);
					exportHtml(view);
				}
			}
			expect(refused).toBeGreaterThan(0);
			exportsAndImports(readTrip(doc));
		},
	);

	it('6. moves an item whose stored category is a map (it shows in "Other")', () => {
		const doc = hostileTrip();
		expect(readTrip(doc).items[SOCKS]?.categoryId).toBe(ORPHAN_CATEGORY_ID);
		const moved = moveItem(doc, { itemId: SOCKS, toCategoryId: TOILETRIES });
		expect(readTrip(moved).categories.find((c) => c.id === TOILETRIES)?.itemIds).toEqual([TOOTHPASTE, SOCKS]);
	});

	it('4. lets anyone tick a personal item for its owner, recording who did, and keeps the state consistent', () => {
		const doc = togglePacked(smallTrip(), { itemId: SHIRTS }, { by: BOB });
		const view = readTrip(doc);
		expect(view.items[SHIRTS]).toMatchObject({ owner: ALICE, packed: true, packedBy: [ALICE] });
		expect(parseChangeMessage(A.decodeChange(A.getLastLocalChange(doc)!).message)?.by).toBe(BOB);
		expect(() => togglePacked(smallTrip(), { itemId: SHIRTS, personId: BOB })).toThrow(/owner/);
		// A tick an older writer stored under someone else does not make a personal item look half packed.
		const odd = A.change(smallTrip(), (d) => void (d.items[SHIRTS]!.packed[BOB] = true));
		expect(readTrip(odd).items[SHIRTS]).toMatchObject({ packed: false, packedBy: [] });
	});

	it('7. cuts long text on code points, never leaving half an emoji', () => {
		const doc = A.change(smallTrip(), (d) => void (d.meta.destination = 'a'.repeat(199) + '😀'));
		const destination = readTrip(doc).destination;
		expect(destination).toBe('a'.repeat(199));
		const long = A.change(smallTrip(), (d) => void (d.meta.destination = 'a'.repeat(199) + '😀'.repeat(3)));
		expect(readTrip(long).destination.isWellFormed()).toBe(true);
		expect(readTrip(long).destination).toHaveLength(199);
	});

	it('8, 12. exports and re-imports whatever the view shows: no meta, blank names, bad date ranges', () => {
		const noMeta = A.change(smallTrip(), (d) => void delete (d as Partial<TripDoc>).meta);
		expect(readTrip(noMeta).name).toBe('Untitled trip');
		exportsAndImports(readTrip(noMeta));
		const blank = A.change(smallTrip(), (d) => {
			d.meta.name = '  ';
			d.items[SOCKS]!.name = ' ';
			d.people[BOB]!.name = '\n';
			d.categories[CLOTHES]!.name = '\t';
		});
		const view = readTrip(blank);
		expect([view.name, view.items[SOCKS]?.name, view.peopleById[BOB]?.name]).toEqual([
			'Untitled trip',
			'Untitled item',
			'Someone',
		]);
		exportsAndImports(view);
		for (const [start, end] of [
			['2025-06-08', '2025-06-01'],
			['2025-01-01', '2027-01-01'],
		]) {
			const dates = A.change(smallTrip(), (d) => {
				d.meta.startDate = start!;
				d.meta.endDate = end!;
			});
			const v = readTrip(dates);
			expect([v.startDate, v.endDate, v.days]).toEqual([start, null, null]);
			expect(v.plan.length).toBeLessThanOrEqual(366);
			exportsAndImports(v);
		}
	});

	it('9. says "unknown heads" (null, refresh everything) rather than calling every item added', () => {
		const doc = smallTrip();
		const elsewhere = renameItem(fork(doc, 5), { itemId: SOCKS, name: 'Wool socks' });
		expect(itemsChangedSince(doc, A.getHeads(elsewhere))).toBeNull();
		expect(itemsChangedSince(doc, ['00'.repeat(32)])).toBeNull();
		expect(itemsChangedSince(doc, A.getHeads(doc))).toEqual([]);
		expect(itemsChangedSince(elsewhere, A.getHeads(doc))?.map((c) => [c.itemId, c.kind])).toEqual([[SOCKS, 'changed']]);
	});

	it('shows names an older writer stored as immutable strings', () => {
		const doc = A.change(smallTrip(), (d) => {
			d.items[SOCKS]!.name = new A.ImmutableString('Old socks') as never;
			d.meta.name = new A.ImmutableString('Old trip') as never;
			d.people[BOB]!.name = new A.ImmutableString('Old Bob') as never;
		});
		const view = readTrip(doc);
		expect([view.items[SOCKS]?.name, view.name, view.peopleById[BOB]?.name]).toEqual([
			'Old socks',
			'Old trip',
			'Old Bob',
		]);
		expect(readTrip(renameItem(doc, { itemId: SOCKS, name: 'New socks' })).items[SOCKS]?.name).toBe('New socks');
	});

	it('orders people the same on every device, whatever its locale', () => {
		let doc = smallTrip();
		for (const [id, name] of [
			['p1', 'Émile'],
			['p2', 'zoe'],
			['p3', 'Zack'],
			['p4', 'eve'],
		])
			doc = addPerson(doc, { id: id as PersonId, name: name! });
		// Code units of the lower-cased name: not what any one locale's collation would say, but the same everywhere.
		expect(readTrip(doc).people.map((p) => p.name)).toEqual(['Alice', 'Bob', 'eve', 'Zack', 'zoe', 'Émile']);
	});

	it('reorders items in the synthetic "Other" and keeps them there through export and import', () => {
		let doc = A.change(smallTrip(), (d) => void delete d.categories[CLOTHES]);
		let other = readTrip(doc).categories.find((c) => c.synthetic);
		expect(other?.itemIds).toEqual([SHIRTS, SOCKS]);
		doc = moveItem(doc, { itemId: SOCKS, beforeItemId: SHIRTS });
		other = readTrip(doc).categories.find((c) => c.synthetic);
		expect(other).toMatchObject({ id: ORPHAN_CATEGORY_ID, name: 'Other', itemIds: [SOCKS, SHIRTS] });
		expect(() => moveItem(doc, { itemId: TOOTHPASTE, toCategoryId: ORPHAN_CATEGORY_ID })).toThrow(/Other/);
		const back = importTrip(exportJson(readTrip(doc)));
		expect(back.ok && readTrip(back.doc).categories.find((c) => c.synthetic)?.itemIds).toEqual([SOCKS, SHIRTS]);
		// Moving one out puts it in a real category again.
		const out = readTrip(moveItem(doc, { itemId: SHIRTS, toCategoryId: TOILETRIES }));
		expect(out.categories.find((c) => c.synthetic)?.itemIds).toEqual([SOCKS]);
	});
});
