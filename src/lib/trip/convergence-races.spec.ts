// Convergence properties for the two races of issue 8: peers migrating an old document while they
// edit it, and peers setting dates while they edit the plan. Nothing anyone wrote may be lost.
import * as A from '@automerge/automerge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getConflicts } from './conflicts';
import type { ActivityId, IsoDate, ItemId, PersonId } from './ids';
import { migrate } from './migrations';
import { isTripOpError } from './op';
import { createTrip, setDates } from './ops/meta';
import { addPerson } from './ops/people';
import { addActivity, removeActivity, setPlanText } from './ops/plan';
import type { TripDoc } from './schema';
import { action, apply, type Action } from './spec-arbitraries';
import { converge, play, scenario } from './spec-converge';
import { actor, ALICE, BOB, fork, runs, timeoutFor } from './spec-helpers';
import { readTrip } from './validate';

const WRITERS = [ALICE, BOB, 'carol' as PersonId, 'dave' as PersonId];

// ---- migrate + edit ------------------------------------------------------------------------

const LEGACY_PARTS = [
	'meta',
	'people',
	'categories',
	'categoryOrder',
	'items',
	'itemOrder',
	'rules',
	'plan',
	'notes',
] as const;
type LegacyPart = (typeof LEGACY_PARTS)[number];

/** A document from before the genesis holding only some of the containers, with content in them. */
function legacyDoc(parts: LegacyPart[]): A.Doc<TripDoc> {
	const content: Record<LegacyPart, unknown> = {
		meta: { name: 'Old', destination: '', startDate: '2025-06-06', endDate: '2025-06-08' },
		people: {
			alice: { name: 'Alice', colour: '#e6194b', userId: null },
			bob: { name: 'Bob', colour: '#3cb44b', userId: null },
		},
		categories: { clothes: { name: 'Clothes' }, toiletries: { name: 'Toiletries' } },
		categoryOrder: ['clothes'],
		items: {
			shirts: { name: 'T-shirts', categoryId: 'clothes', owner: 'alice', quantity: 3, notes: '', packed: {} },
			socks: { name: 'Socks', categoryId: 'clothes', owner: 'shared', quantity: 1, notes: '', packed: {} },
			toothpaste: { name: 'Toothpaste', categoryId: 'toiletries', owner: 'shared', quantity: 1, notes: '', packed: {} },
		},
		itemOrder: { clothes: ['shirts', 'socks'] },
		rules: {},
		plan: { '2025-06-07': { text: 'Sintra', activities: [] } },
		notes: 'old notes',
	};
	const init: Record<string, unknown> = { schemaVersion: 0 };
	for (const part of parts) init[part] = content[part];
	return A.from(init, { actor: actor(1) }) as unknown as A.Doc<TripDoc>;
}

type MigrateAction = { kind: 'migrate' } | Action;
const migrateOrEdit: fc.Arbitrary<MigrateAction> = fc.oneof(
	{ weight: 1, arbitrary: fc.constant({ kind: 'migrate' as const }) },
	{ weight: 4, arbitrary: action },
);

// ---- set dates + edit the plan ----------------------------------------------------------------

const RANGES = [
	['2025-06-05', '2025-06-07'],
	['2025-06-05', '2025-06-07'],
	['2025-06-06', '2025-06-09'],
] as const;
const PLAN_DATES = ['2025-06-05', '2025-06-06', '2025-06-07', '2025-06-09', '2025-07-01'] as IsoDate[];
const planDate = fc.constantFrom(...PLAN_DATES);

type PlanAction =
	| { kind: 'dates'; range: number }
	| { kind: 'append'; date: IsoDate }
	| { kind: 'activity'; date: IsoDate; index: number | undefined }
	| { kind: 'removeActivity'; date: IsoDate; index: number };

const planAction: fc.Arbitrary<PlanAction> = fc.oneof(
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant('dates' as const), range: fc.nat(RANGES.length - 1) }) },
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), date: planDate }) },
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('activity' as const),
			date: planDate,
			index: fc.option(fc.nat(3), { nil: undefined }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('removeActivity' as const), date: planDate, index: fc.nat(3) }),
	},
);

function undatedTrip(): A.Doc<TripDoc> {
	let doc = createTrip({ name: 'Lisbon' }, { by: ALICE, actor: actor(1) });
	doc = addPerson(doc, { id: ALICE, name: 'Alice' }, { by: ALICE });
	return addPerson(doc, { id: BOB, name: 'Bob' }, { by: ALICE });
}
const UNDATED = undatedTrip();

describe('concurrent races that used to lose edits', () => {
	it('keeps every edit when peers migrate an old document while editing it', { timeout: timeoutFor(120_000) }, () => {
		let runIndex = 0;
		fc.assert(
			fc.property(
				fc.subarray([...LEGACY_PARTS]),
				scenario(migrateOrEdit, { min: 2, max: 4, steps: 10 }),
				(parts, { replicas: n, steps, order }) => {
					const base = legacyDoc(parts);
					const docs = Array.from({ length: n }, (_, i) => fork(base, i + 2));
					const addedItems = new Set<ItemId>();
					const removedItems = new Set<ItemId>();
					const addedPeople = new Set<string>();
					const removedPeople = new Set<string>();
					let counter = 0;
					play(docs, steps, (doc, a, r) => {
						if (a.kind === 'migrate') return migrate(doc, { by: WRITERS[r] });
						const ctx = { by: WRITERS[r], now: counter };
						const result = apply(doc, a, ctx, () => `r${r}n${counter++}`);
						const view = readTrip(result.doc);
						if (result.addedItem && view.items[result.addedItem]) addedItems.add(result.addedItem);
						if (result.removedItem && !view.items[result.removedItem]) removedItems.add(result.removedItem);
						if (a.kind === 'addPerson' && result.doc !== doc) addedPeople.add(a.personId);
						if (a.kind === 'removePerson' && result.doc !== doc) removedPeople.add(a.personId);
						return result.doc;
					});
					const { view } = converge(docs, order, runIndex++ % 8 === 0);
					for (const id of addedItems)
						if (!removedItems.has(id)) expect(view.items[id], `item ${id} lost`).toBeDefined();
					for (const id of addedPeople) {
						if (!removedPeople.has(id)) expect(view.peopleById[id], `person ${id} lost`).toBeDefined();
					}
				},
			),
			{ numRuns: runs(500) },
		);
	});

	it(
		'keeps every word typed and activity added when peers set dates while editing the plan',
		{ timeout: timeoutFor(120_000) },
		() => {
			let runIndex = 0;
			fc.assert(
				fc.property(scenario(planAction, { min: 2, max: 4, steps: 12 }), ({ replicas: n, steps, order }) => {
					const docs = Array.from({ length: n }, (_, i) => fork(UNDATED, i + 2));
					const words = new Map<string, IsoDate>();
					const activities = new Map<string, IsoDate>();
					const removed = new Set<string>();
					const rangesSet = new Set<number>();
					let counter = 0;
					play(docs, steps, (doc, a, r) => {
						const ctx = { by: WRITERS[r] };
						const token = `r${r}x${counter++}`;
						try {
							switch (a.kind) {
								case 'dates': {
									const [start, end] = RANGES[a.range]!;
									rangesSet.add(a.range);
									return setDates(doc, { startDate: start as IsoDate, endDate: end as IsoDate }, ctx);
								}
								case 'append': {
									// What a person does in the editor: type after the text they see.
									const current = readTrip(doc).plan.find((p) => p.date === a.date)?.text ?? '';
									words.set(token, a.date);
									return setPlanText(doc, { date: a.date, text: current ? `${current} ${token}` : token }, ctx);
								}
								case 'activity':
									activities.set(token, a.date);
									return addActivity(doc, { date: a.date, id: token as ActivityId, text: token, index: a.index }, ctx);
								case 'removeActivity': {
									const day = readTrip(doc).plan.find((p) => p.date === a.date);
									const target = day?.activities[a.index];
									if (!target) return doc;
									removed.add(target.id);
									return removeActivity(doc, { date: a.date, activityId: target.id }, ctx);
								}
							}
						} catch (e) {
							if (isTripOpError(e)) return doc;
							throw e;
						}
					});
					const { doc, view } = converge(docs, order, runIndex++ % 8 === 0);
					const dayOf = (date: IsoDate) => view.plan.find((p) => p.date === date);
					for (const [word, date] of words) expect(dayOf(date)?.text ?? '', `word ${word} lost`).toContain(word);
					for (const [id, date] of activities) {
						const shown = dayOf(date)?.activities.some((x) => x.id === id) ?? false;
						expect(shown, `activity ${id}`).toBe(!removed.has(id));
					}
					// Only different dates chosen at once are a conflict; the plan never is.
					for (const c of getConflicts(doc)) expect(c.path[0]).toBe('meta');
					if (rangesSet.size === 0) expect(view.days).toBeNull();
					else expect(view.plan.filter((p) => p.inRange)).toHaveLength(view.days ?? -1);
				}),
				{ numRuns: runs(500) },
			);
		},
	);
});
