// Fixtures shared by the trip specs: a small trip with known ids, and replica helpers.
import * as A from '@automerge/automerge';
import type { CategoryId, IsoDate, ItemId, PersonId } from './ids';
import { addCategory } from './ops/categories';
import { addItem } from './ops/items';
import { createTrip } from './ops/meta';
import { addPerson } from './ops/people';
import type { TripDoc, TripView } from './schema';

export const TRIP_ID = '3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b';
export const ALICE = 'alice' as PersonId;
export const BOB = 'bob' as PersonId;
export const CLOTHES = 'clothes' as CategoryId;
export const TOILETRIES = 'toiletries' as CategoryId;
export const SHIRTS = 'shirts' as ItemId;
export const SOCKS = 'socks' as ItemId;
export const TOOTHPASTE = 'toothpaste' as ItemId;

export function actor(n: number): string {
	return n.toString(16).padStart(2, '0').repeat(16);
}

/** Alice and Bob, Clothes (shirts, socks) and Toiletries (toothpaste), 3 days in June. */
export function smallTrip(): A.Doc<TripDoc> {
	const ctx = { by: ALICE, now: 1_000 };
	let doc = createTrip(
		{
			tripId: TRIP_ID as TripDoc['tripId'],
			name: 'Lisbon',
			destination: 'Portugal',
			startDate: '2025-06-06' as IsoDate,
			endDate: '2025-06-08' as IsoDate,
		},
		{ ...ctx, actor: actor(1) },
	);
	doc = addPerson(doc, { id: ALICE, name: 'Alice' }, ctx);
	doc = addPerson(doc, { id: BOB, name: 'Bob' }, ctx);
	doc = addCategory(doc, { id: CLOTHES, name: 'Clothes' }, ctx);
	doc = addCategory(doc, { id: TOILETRIES, name: 'Toiletries' }, ctx);
	doc = addItem(
		doc,
		{
			id: SHIRTS,
			name: 'T-shirts',
			categoryId: CLOTHES,
			owner: ALICE,
			quantity: 3,
		},
		ctx,
	);
	doc = addItem(doc, { id: SOCKS, name: 'Socks', categoryId: CLOTHES }, { ...ctx, now: 2_000 });
	doc = addItem(doc, { id: TOOTHPASTE, name: 'Toothpaste', categoryId: TOILETRIES }, ctx);
	return doc;
}

/** A second replica of `doc` writing with its own actor. */
export function fork(doc: A.Doc<TripDoc>, n: number): A.Doc<TripDoc> {
	return A.clone(doc, { actor: actor(n) });
}

/**
 * Every structural promise readTrip makes to the UI; returns the broken ones (empty when well formed).
 * Kept as data rather than expect() calls so property tests can report the failing scenario.
 */
export function viewProblems(view: TripView): string[] {
	const problems: string[] = [];
	const fail = (msg: string) => problems.push(msg);
	const people = new Set(view.people.map((p) => p.id));
	if (people.size !== view.people.length) fail('duplicate people');
	for (const p of view.people) {
		if (view.peopleById[p.id] !== p) fail(`peopleById misses ${p.id}`);
		if (typeof p.name !== 'string' || !/^#[0-9a-f]{6}$/.test(p.colour)) fail(`bad person ${p.id}`);
	}
	const placed = new Map<string, number>();
	const categoryIds = new Set<string>();
	for (const c of view.categories) {
		if (categoryIds.has(c.id)) fail(`duplicate category ${c.id}`);
		categoryIds.add(c.id);
		for (const id of c.itemIds) {
			placed.set(id, (placed.get(id) ?? 0) + 1);
			if (view.items[id]?.categoryId !== c.id) fail(`item ${id} listed under ${c.id}`);
		}
	}
	for (const [id, it] of Object.entries(view.items)) {
		if (placed.get(id) !== 1) fail(`item ${id} shown ${placed.get(id) ?? 0} times`);
		if (it.id !== id || typeof it.name !== 'string' || typeof it.notes !== 'string') fail(`bad item ${id}`);
		if (it.owner !== 'shared' && !people.has(it.owner)) fail(`item ${id} owned by stranger`);
		if (it.packedBy.some((p) => !people.has(p))) fail(`item ${id} packed by stranger`);
		const q = it.quantity;
		if (![q.effective, q.manualQuantity].every((n) => Number.isInteger(n) && n >= 0)) fail(`bad quantity ${id}`);
	}
	for (const r of view.rules) if (!view.items[r.itemId]) fail(`rule ${r.id} for missing item`);
	for (const day of view.plan) if (!/^\d{4}-\d{2}-\d{2}$/.test(day.date)) fail(`bad plan date ${day.date}`);
	if (typeof view.notes !== 'string' || typeof view.name !== 'string') fail('bad text');
	return problems;
}

function scale(): number {
	const value = Number(process.env.TRIP_FC_SCALE ?? '1');
	return Number.isFinite(value) && value > 0 ? value : 1;
}

/** Property-test run count, scalable for soak runs: TRIP_FC_SCALE=10 npx vitest run src/lib/trip */
export function runs(base: number): number {
	return Math.max(1, Math.round(base * scale()));
}

/** A property test's timeout, scaled with its run count (never below the base). */
export function timeoutFor(baseMs: number): number {
	return Math.round(baseMs * Math.max(1, scale()));
}
