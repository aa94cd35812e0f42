import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './genesis';
import { documentIdToTripId, isDocId, newItemId, parseTripId, randomId, tripIdToDocumentId, type TripId } from './ids';
import { isNewerThanSupported, migrate, needsMigration } from './migrations';
import { addCategory } from './ops/categories';
import { CURRENT_SCHEMA_VERSION, type TripDoc } from './schema';
import { smallTrip } from './spec-helpers';
import { readTrip } from './validate';
import { BUILT_IN_TEMPLATES } from './templates';
import { createTripFromPrevious, createTripFromTemplate } from './templates-apply';
import { togglePacked } from './ops/items';
import { addRule } from './ops/rules';
import { parseChangeMessage } from './messages';
import { isIsoDate, tripDays } from './dates';
import { ALICE, BOB, SHIRTS, SOCKS } from './spec-helpers';

describe('migrations', () => {
	it('upgrades a pre-release document to the current version, then writes work on it', () => {
		const old = A.from<Record<string, unknown>>({
			meta: { name: 'Old trip' },
			items: {},
		}) as unknown as A.Doc<TripDoc>;
		expect(needsMigration(old)).toBe(true);
		const doc = migrate(old);
		expect(doc.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
		expect(needsMigration(doc)).toBe(false);
		expect(parseChangeMessage(A.decodeChange(A.getLastLocalChange(doc)!).message)?.action).toBe('migrate');
		const next = addCategory(doc, { name: 'Clothes' });
		expect(readTrip(next).categories.map((c) => c.name)).toEqual(['Clothes']);
	});

	it('does nothing to a current document and flags one from a newer app', () => {
		const doc = smallTrip();
		expect(migrate(doc)).toBe(doc);
		const newer = A.change(A.clone(doc), (d) => {
			d.schemaVersion = CURRENT_SCHEMA_VERSION + 1;
		});
		expect(isNewerThanSupported(newer)).toBe(true);
		expect(readTrip(newer).items[SOCKS]?.name).toBe('Socks');
	});

	it('lets two peers migrate the same document concurrently without losing data', () => {
		const old = A.from<Record<string, unknown>>({
			meta: { name: 'Old' },
			people: {},
			categories: {},
			categoryOrder: [],
			items: {},
			itemOrder: {},
			rules: {},
			overrides: {},
			plan: {},
			notes: '',
			actors: {},
		}) as unknown as A.Doc<TripDoc>;
		const a = addCategory(migrate(A.clone(old)), { name: 'A' });
		const b = addCategory(migrate(A.clone(old)), { name: 'B' });
		expect(
			readTrip(A.merge(a, b))
				.categories.map((c) => c.name)
				.sort(),
		).toEqual(['A', 'B']);
	});
});

describe('ids and dates', () => {
	it('maps a trip id to an automerge-repo DocumentId and back', () => {
		const id = 'a5e13cdf-d885-4d46-a44f-82ee72240112' as TripId;
		const docId = tripIdToDocumentId(id);
		expect(docId).toBe('3K39tVdDycj4dc755yVdMQnVb3gw');
		expect(documentIdToTripId(docId)).toBe(id);
		expect(documentIdToTripId('not-a-doc-id')).toBeNull();
		expect(parseTripId(' A5E13CDF-D885-4D46-A44F-82EE72240112 ')).toBe(id);
	});

	it('generates distinct ids that are safe as map keys', () => {
		const ids = new Set(Array.from({ length: 1000 }, randomId));
		expect(ids.size).toBe(1000);
		expect([...ids].every(isDocId)).toBe(true);
		expect(isDocId(newItemId())).toBe(true);
		expect(isDocId('__proto__')).toBe(false);
		expect(isDocId('constructor')).toBe(false);
	});

	it('accepts real calendar dates only and counts trip days inclusively', () => {
		expect(isIsoDate('2024-02-29')).toBe(true);
		expect(isIsoDate('2025-02-29')).toBe(false);
		expect(isIsoDate('2025-1-01')).toBe(false);
		expect(tripDays('2025-03-29' as never, '2025-03-31' as never)).toBe(3);
	});
});

describe('templates and starting from a previous trip', () => {
	it('offers the six built-in templates, each creating a valid trip in one change', () => {
		expect(BUILT_IN_TEMPLATES.map((t) => t.id)).toEqual([
			'city-weekend',
			'beach-week',
			'hiking-camping',
			'winter-ski',
			'business',
			'family-kids',
		]);
		for (const t of BUILT_IN_TEMPLATES) {
			const doc = createTripFromTemplate(t, {
				name: t.name,
				startDate: '2025-07-01' as never,
				endDate: '2025-07-07' as never,
				people: [{ name: 'Ana' }, { name: 'Ben' }],
			});
			const view = readTrip(doc);
			expect(A.getAllChanges(doc).map((c) => A.decodeChange(c).hash)).toEqual([GENESIS_HASH, A.getHeads(doc)[0]]);
			expect(view.categories.map((c) => c.name)).toEqual(t.categories.map((c) => c.name));
			expect(Object.keys(view.items).length).toBe(t.categories.reduce((n, c) => n + c.items.length, 0));
			expect(view.rules.length).toBeGreaterThan(5);
		}
	});

	it('computes template quantities from the group and the dates', () => {
		const beach = BUILT_IN_TEMPLATES.find((t) => t.id === 'beach-week')!;
		const view = readTrip(
			createTripFromTemplate(beach, {
				name: 'Crete',
				startDate: '2025-07-01' as never,
				endDate: '2025-07-07' as never,
				people: [{ name: 'Ana' }, { name: 'Ben' }],
			}),
		);
		const byName = (name: string) => Object.values(view.items).find((i) => i.name === name)!;
		expect(byName('T-shirts').quantity.effective).toBe(14);
		expect(byName('Sunscreen SPF 50').quantity.effective).toBe(2);
		expect(byName('Sunscreen SPF 50 (travel size)').quantity.effective).toBe(0);
	});

	it('copies a previous trip with fresh ids and packed state reset, optionally with its people', () => {
		let prev = togglePacked(smallTrip(), { itemId: SHIRTS });
		prev = addRule(prev, {
			itemId: SOCKS,
			kind: 'perPerson',
			amount: 2,
			people: [BOB],
		});
		const old = readTrip(prev);
		const withPeople = readTrip(createTripFromPrevious(prev, { name: 'Lisbon again' }, { people: true }));
		expect(withPeople.people.map((p) => p.name)).toEqual(['Alice', 'Bob']);
		expect(withPeople.peopleById[ALICE]).toBeUndefined();
		expect(
			Object.values(withPeople.items)
				.map((i) => [i.name, i.packed])
				.sort(),
		).toEqual([
			['Socks', false],
			['T-shirts', false],
			['Toothpaste', false],
		]);
		const shirts = Object.values(withPeople.items).find((i) => i.name === 'T-shirts')!;
		expect(withPeople.peopleById[shirts.owner]?.name).toBe('Alice');
		expect(Object.values(withPeople.items).find((i) => i.name === 'Socks')?.quantity.effective).toBe(2);
		const alone = readTrip(createTripFromPrevious(prev, { name: 'Solo', people: [{ name: 'Me' }] }, { rules: false }));
		expect(alone.people.map((p) => p.name)).toEqual(['Me']);
		expect(alone.rules).toEqual([]);
		expect(Object.values(alone.items).every((i) => i.owner === 'shared')).toBe(true);
		expect(alone.categories.map((c) => c.name)).toEqual(old.categories.map((c) => c.name));
	});
});
