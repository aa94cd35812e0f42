/* eslint-disable @typescript-eslint/no-explicit-any -- these tests write deliberately ill-typed data into documents, which is what readTrip must survive */
import * as A from '@automerge/automerge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ItemId } from './ids';
import { togglePacked } from './ops/items';
import { CURRENT_SCHEMA_VERSION, ORPHAN_CATEGORY_ID, type TripDoc } from './schema';
import {
	ALICE,
	BOB,
	CLOTHES,
	SHIRTS,
	smallTrip,
	SOCKS,
	TOILETRIES,
	TOOTHPASTE,
	viewProblems,
	runs,
} from './spec-helpers';
import { readTrip } from './validate';

const BASE = smallTrip();
// Automerge documents are single-use values: each change needs its own copy of the base.
const corrupt = (recipe: (d: Record<string, any>) => void) =>
	A.change(A.clone(BASE), (d) => recipe(d as unknown as Record<string, any>));

describe('readTrip, the validating view', () => {
	it('reads a well-formed trip faithfully', () => {
		const view = readTrip(BASE);
		expect(view).toMatchObject({
			name: 'Lisbon',
			destination: 'Portugal',
			days: 3,
			schemaVersion: CURRENT_SCHEMA_VERSION,
		});
		expect(view.people.map((p) => p.name)).toEqual(['Alice', 'Bob']);
		expect(view.categories.map((c) => [c.name, c.itemIds])).toEqual([
			['Clothes', [SHIRTS, SOCKS]],
			['Toiletries', [TOOTHPASTE]],
		]);
		expect(viewProblems(view)).toEqual([]);
	});

	it('moves an item whose category is gone into a stand-in category at the end', () => {
		const view = readTrip(corrupt((d) => delete d.categories[TOILETRIES]));
		expect(view.items[TOOTHPASTE]?.categoryId).toBe(ORPHAN_CATEGORY_ID);
		expect(view.categories.at(-1)).toMatchObject({
			id: ORPHAN_CATEGORY_ID,
			itemIds: [TOOTHPASTE],
			synthetic: true,
		});
		expect(viewProblems(view)).toEqual([]);
	});

	it('drops unknown and duplicate ids from orders and appends unlisted items', () => {
		const view = readTrip(
			corrupt((d) => {
				d.itemOrder[CLOTHES] = ['ghost', SOCKS, SOCKS, TOOTHPASTE, 42];
				d.categoryOrder = [TOILETRIES, 'ghost', TOILETRIES];
			}),
		);
		expect(view.categories.map((c) => c.id)).toEqual([TOILETRIES, CLOTHES]);
		expect(view.categories[1]?.itemIds).toEqual([SOCKS, SHIRTS]);
		expect(view.categories[0]?.itemIds).toEqual([TOOTHPASTE]);
	});

	it('drops packed state for people not on the trip and makes items of strangers shared', () => {
		const doc = togglePacked(A.clone(BASE), {
			itemId: TOOTHPASTE,
			personId: BOB,
			packed: true,
		});
		const view = readTrip(
			A.change(doc, (d: any) => {
				d.items[SHIRTS].packed.ghost = true;
				d.items[TOOTHPASTE].packed.ghost = true;
				d.items[SOCKS].owner = 'ghost';
				delete d.people[BOB];
			}),
		);
		expect(view.items[SHIRTS]?.packedBy).toEqual([]);
		expect(view.items[TOOTHPASTE]?.packedBy).toEqual([]);
		expect(view.items[SHIRTS]?.owner).toBe(ALICE);
		expect(view.items[SOCKS]?.owner).toBe('shared');
	});

	it('repairs wrong types field by field instead of dropping the whole item', () => {
		const view = readTrip(
			corrupt((d) => {
				d.items[SOCKS].name = 7;
				d.items[SOCKS].quantity = -3;
				d.items[SOCKS].notes = { evil: true };
				d.items[SOCKS].packed = 'yes';
				d.meta.startDate = '2025-13-01';
				d.notes = ['x'];
				d.rules.bad = { itemId: SOCKS, kind: 'perMoon', amount: 1 };
				d.overrides[SOCKS] = 'lots';
			}),
		);
		expect(view.items[SOCKS]).toMatchObject({
			name: 'Untitled item',
			notes: '',
			packedBy: [],
			quantity: { effective: 1, source: 'manual' },
		});
		expect(view).toMatchObject({
			startDate: null,
			days: null,
			notes: '',
			rules: [],
		});
	});

	it('ignores prototype keys and never pollutes Object.prototype', () => {
		const hostile = JSON.parse(
			'{"people":{"__proto__":{"name":"x"},"constructor":{"name":"y"}},"items":{"__proto__":{"polluted":true}}}',
		);
		const view = readTrip(hostile);
		expect(view.people).toEqual([]);
		expect(view.items).toEqual({});
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('never throws and always yields a well-formed view for arbitrary values', { timeout: 60_000 }, () => {
		fc.assert(
			fc.property(
				fc.anything({
					withNullPrototype: true,
					withMap: true,
					withSet: true,
					withTypedArray: true,
					withSparseArray: true,
				}),
				(value) => {
					expect(viewProblems(readTrip(value))).toEqual([]);
				},
			),
			{ numRuns: runs(300) },
		);
	});

	const idLike = fc.constantFrom(SHIRTS, SOCKS, TOOTHPASTE, CLOTHES, TOILETRIES, ALICE, BOB, 'ghost', '__proto__');
	const junk = fc.oneof(fc.anything(), idLike, fc.constantFrom('shared', '2025-06-06', 'perPerson', '#aabbcc'));
	const mapOf = (value: fc.Arbitrary<unknown>) => fc.dictionary(idLike, value, { maxKeys: 4 });
	const item = fc.record(
		{
			name: junk,
			categoryId: junk,
			owner: junk,
			quantity: junk,
			notes: junk,
			packed: mapOf(junk),
			createdAt: junk,
		},
		{ requiredKeys: [] },
	);
	const tripShaped = fc.record(
		{
			schemaVersion: junk,
			tripId: junk,
			meta: fc.record({ name: junk, destination: junk, startDate: junk, endDate: junk }, { requiredKeys: [] }),
			people: mapOf(fc.oneof(junk, fc.record({ name: junk, colour: junk, userId: junk }))),
			categoryOrder: fc.oneof(junk, fc.array(idLike)),
			categories: mapOf(fc.oneof(junk, fc.record({ name: junk }))),
			items: mapOf(fc.oneof(junk, item)),
			itemOrder: mapOf(fc.oneof(junk, fc.array(idLike))),
			rules: mapOf(
				fc.oneof(
					junk,
					fc.record({
						itemId: idLike,
						kind: junk,
						amount: junk,
						minDays: junk,
						maxDays: junk,
						people: junk,
					}),
				),
			),
			overrides: mapOf(junk),
			plan: fc.dictionary(
				fc.constantFrom('2025-06-06', '2025-02-30', 'x'),
				fc.oneof(
					junk,
					fc.record({
						text: junk,
						activities: fc.array(fc.record({ id: junk, text: junk })),
					}),
				),
			),
			notes: junk,
		},
		{ requiredKeys: [] },
	);

	it('never throws and always yields a well-formed view for deep trip-shaped junk', { timeout: 60_000 }, () => {
		fc.assert(
			fc.property(tripShaped, (value) => {
				expect(viewProblems(readTrip(value))).toEqual([]);
			}),
			{ numRuns: runs(500) },
		);
	});

	const paths: string[][] = [
		['meta'],
		['meta', 'name'],
		['meta', 'startDate'],
		['people'],
		['people', ALICE],
		['people', ALICE, 'name'],
		['people', BOB, 'colour'],
		['categoryOrder'],
		['categories', CLOTHES],
		['categories', CLOTHES, 'name'],
		['items'],
		['items', SHIRTS],
		['items', SHIRTS, 'categoryId'],
		['items', SHIRTS, 'owner'],
		['items', SOCKS, 'quantity'],
		['items', SOCKS, 'packed'],
		['items', SOCKS, 'packed', ALICE],
		['itemOrder'],
		['itemOrder', CLOTHES],
		['rules'],
		['overrides'],
		['overrides', SOCKS],
		['plan'],
		['plan', '2025-06-06'],
		['plan', '2025-06-06', 'activities'],
		['notes'],
		['schemaVersion'],
	];
	const storable = fc.oneof(
		fc.jsonValue({ maxDepth: 3 }),
		idLike.map((s) => [s, s]),
	);

	it('reads real Automerge documents whose fields were overwritten with wrong types', { timeout: 60_000 }, () => {
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.constantFrom(...paths), storable), {
					minLength: 1,
					maxLength: 4,
				}),
				(writes) => {
					const doc = A.change(A.clone(BASE), (d) => {
						for (const [path, value] of writes) {
							let node: any = d;
							for (const key of path.slice(0, -1)) node = node && typeof node === 'object' ? node[key] : undefined;
							if (node && typeof node === 'object' && !Array.isArray(node)) node[path[path.length - 1]!] = value;
						}
					});
					const view = readTrip(doc);
					expect(viewProblems(view)).toEqual([]);
					expect(readTrip(A.load<TripDoc>(A.save(doc)))).toEqual(view);
				},
			),
			{ numRuns: runs(300) },
		);
	});

	it('keeps unknown fields out of the view', () => {
		const view = readTrip(
			corrupt((d) => {
				d.future = { anything: 1 };
				d.items[SOCKS].colourOfLabel = 'red';
			}),
		);
		expect(view).not.toHaveProperty('future');
		expect(view.items[SOCKS as ItemId]).not.toHaveProperty('colourOfLabel');
	});
});
