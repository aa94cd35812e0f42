import * as A from '@automerge/automerge';
import { Repo } from '@automerge/automerge-repo';
import { describe, expect, it } from 'vitest';
import { applyOp } from './apply';
import { GENESIS_ACTOR, GENESIS_CHANGE, GENESIS_HASH, GENESIS_SCHEMA_VERSION, newTripDoc } from './genesis';
import type { CategoryId, IsoDate } from './ids';
import { parseChangeMessage } from './messages';
import { TripOpError } from './op';
import { addCategory } from './ops/categories';
import { addItem } from './ops/items';
import { createTrip, initTrip } from './ops/meta';
import { ALICE } from './spec-helpers';
import { CURRENT_SCHEMA_VERSION, ORPHAN_CATEGORY_ID, type TripDoc } from './schema';
import { readTrip } from './validate';

/** What the genesis is, written out once more: the checked-in bytes must be exactly this. */
function rebuildGenesis(): Uint8Array | null {
	const doc = A.change(A.init<TripDoc>({ actor: GENESIS_ACTOR }), { message: '{"action":"genesis"}', time: 0 }, (d) => {
		d.schemaVersion = 2;
		d.meta = { name: '', destination: '', startDate: '', endDate: '' };
		d.people = {};
		d.categoryOrder = [];
		d.categories = {};
		d.items = {};
		d.itemOrder = { [ORPHAN_CATEGORY_ID]: [] };
		d.rules = {};
		d.overrides = {};
		d.planEntries = {};
		d.notes = '';
		d.actors = {};
	});
	return A.getLastLocalChange(doc) ?? null;
}

describe('the genesis change', () => {
	it('is rebuilt byte for byte by the current Automerge, with no dependencies and the published hash', () => {
		expect(rebuildGenesis()).toEqual(GENESIS_CHANGE);
		const change = A.decodeChange(GENESIS_CHANGE);
		expect(change.deps).toEqual([]);
		expect(change.hash).toBe(GENESIS_HASH);
		expect(change.actor).toBe(GENESIS_ACTOR);
		expect(change.time).toBe(0);
		expect(GENESIS_SCHEMA_VERSION).toBe(CURRENT_SCHEMA_VERSION);
	});

	it('creates every container, and new trips write with their own random actor', () => {
		const a = newTripDoc();
		const b = newTripDoc();
		expect(A.getHeads(a)).toEqual([GENESIS_HASH]);
		expect(A.toJS(a)).toEqual({
			schemaVersion: 2,
			meta: { name: '', destination: '', startDate: '', endDate: '' },
			people: {},
			categoryOrder: [],
			categories: {},
			items: {},
			itemOrder: { [ORPHAN_CATEGORY_ID]: [] },
			rules: {},
			overrides: {},
			planEntries: {},
			notes: '',
			actors: {},
		});
		expect(A.getActorId(a)).not.toBe(GENESIS_ACTOR);
		expect(A.getActorId(a)).not.toBe(A.getActorId(b));
		expect(A.getActorId(newTripDoc('ab'.repeat(16)))).toBe('ab'.repeat(16));
	});

	it('is the first change of every new trip, so two trips share it and nothing else', () => {
		const trip = createTrip({ name: 'Rome' }, { by: ALICE });
		const changes = A.getAllChanges(trip).map((c) => A.decodeChange(c));
		expect(changes[0]?.hash).toBe(GENESIS_HASH);
		expect(changes[1]?.deps).toEqual([GENESIS_HASH]);
		expect(changes.slice(1).every((c) => c.actor !== GENESIS_ACTOR)).toBe(true);
	});

	it('refuses to make a trip of a document that does not start from it', () => {
		expect(() => initTrip(A.init<TripDoc>(), { name: 'Rome' })).toThrow(/genesis/);
		const trip = createTrip({ name: 'Rome' });
		expect(() => initTrip(trip, { name: 'Again' })).toThrow(TripOpError);
	});
});

describe('applyOp on an automerge-repo DocHandle', () => {
	it('runs an operation in one call: id generated, actor → person recorded, message set', () => {
		const repo = new Repo({ network: [] });
		const handle = repo.import<TripDoc>(A.save(newTripDoc()));
		const trip = applyOp(handle, initTrip, { name: 'Lisbon', startDate: '2025-06-06' as IsoDate }, { by: ALICE });
		expect(trip.tripId).toMatch(/^[0-9a-f-]{36}$/);
		const cat = applyOp(handle, addCategory, { name: 'Clothes' }, { by: ALICE });
		const item = applyOp(handle, addItem, { name: 'Socks', categoryId: cat.id as CategoryId }, { by: ALICE });
		const doc = handle.doc();
		const view = readTrip(doc);
		expect(view.tripId).toBe(trip.tripId);
		expect(view.items[item.id!]?.name).toBe('Socks');
		expect(doc.actors).toEqual({ [A.getActorId(doc)]: ALICE });
		const last = A.decodeChange(A.getLastLocalChange(doc)!);
		expect(parseChangeMessage(last.message)).toEqual({
			action: 'addItem',
			by: ALICE,
			ids: { id: item.id, categoryId: cat.id },
		});
		const heads = A.getHeads(doc);
		expect(() => applyOp(handle, addItem, { name: ' ', categoryId: cat.id as CategoryId })).toThrow(TripOpError);
		expect(() => applyOp(handle, addItem, { name: 'x', categoryId: 'ghost' as CategoryId })).toThrow(TripOpError);
		expect(A.getHeads(handle.doc())).toEqual(heads);
	});
});
