// The validating read view. Documents arrive from the network and may have been written by an old,
// buggy or malicious peer, so the UI never reads a TripDoc directly: `readTrip` turns any value into
// a well-formed TripView. Unknown fields are ignored, wrong types repaired or dropped, dangling
// references fixed — and it never throws.
import { isIsoDate, tripDays } from './dates';
import { isDocId, isTripId, isUserId } from './ids';
import type { ActivityId, CategoryId, IsoDate, ItemId, PersonId, RuleId } from './ids';
import { MAX_NAME_LENGTH, MAX_NOTES_LENGTH, MAX_QUANTITY } from './op';
import { isColour, PERSON_COLOURS } from './ops/people';
import { resolveQuantity, type RuleContext } from './rules';
import {
	ORPHAN_CATEGORY_ID,
	ORPHAN_CATEGORY_NAME,
	RULE_KINDS,
	SHARED,
	type ActivityView,
	type CategoryView,
	type ItemView,
	type Owner,
	type PersonView,
	type PlanDayView,
	type RuleKind,
	type RuleView,
	type TripView,
} from './schema';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

function text(value: unknown, max: number, fallback = ''): string {
	if (typeof value !== 'string') return fallback;
	return value.length > max ? value.slice(0, max) : value;
}

function wholeNumber(value: unknown, min: number, max: number): number | null {
	return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/**
 * Own keys that are usable ids, sorted; prototype keys and junk are skipped. Sorted because an
 * Automerge map lists its keys in the order they arrived, which differs between replicas of the
 * same document, and the view must not.
 */
function idKeys(record: Obj): string[] {
	return Object.keys(record).filter(isDocId).sort();
}

function emptyView(): TripView {
	return {
		schemaVersion: 0,
		tripId: null,
		name: '',
		destination: '',
		startDate: null,
		endDate: null,
		days: null,
		people: [],
		peopleById: {},
		categories: [],
		items: {},
		rules: [],
		plan: [],
		notes: '',
	};
}

export function readTrip(doc: unknown): TripView {
	try {
		return read(obj(doc));
	} catch {
		// Defence in depth: the readers above are total, but a hostile proxy or getter could still
		// throw, and a blank trip is better than a crashed page.
		return emptyView();
	}
}

function read(root: Obj): TripView {
	const meta = obj(root.meta);
	const startDate = isIsoDate(meta.startDate) ? meta.startDate : null;
	const endDate = isIsoDate(meta.endDate) ? meta.endDate : null;
	const span = startDate && endDate ? tripDays(startDate, endDate) : null;
	const days = span !== null && span >= 1 ? span : null;

	const people = readPeople(obj(root.people));
	const peopleById: Record<string, PersonView> = {};
	for (const p of people) peopleById[p.id] = p;

	const categoriesRaw = obj(root.categories);
	const categoryNames = new Map<CategoryId, string>();
	for (const id of idKeys(categoriesRaw)) {
		const raw = categoriesRaw[id];
		if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
		categoryNames.set(id as CategoryId, text(obj(raw).name, MAX_NAME_LENGTH) || 'Untitled category');
	}

	const rawItems = readItems(obj(root.items), categoryNames, peopleById);
	const rules = readRules(obj(root.rules), rawItems, peopleById);
	const overrides = obj(root.overrides);
	const ruleCtx: RuleContext = { days, people: people.map((p) => p.id) };
	const rulesByItem = new Map<string, RuleView[]>();
	for (const r of rules) {
		const bucket = rulesByItem.get(r.itemId);
		if (bucket) bucket.push(r);
		else rulesByItem.set(r.itemId, [r]);
	}

	const items: Record<string, ItemView> = {};
	for (const [id, it] of rawItems) {
		const override = wholeNumber(overrides[id], 0, MAX_QUANTITY);
		const quantity = resolveQuantity(rulesByItem.get(id) ?? [], it.owner, it.manual, override, ruleCtx);
		const { manual: _manual, ...rest } = it;
		items[id] = { ...rest, quantity };
	}

	const version = wholeNumber(root.schemaVersion, 0, Number.MAX_SAFE_INTEGER) ?? 0;
	return {
		schemaVersion: version,
		tripId: isTripId(root.tripId) ? root.tripId : null,
		name: text(meta.name, MAX_NAME_LENGTH),
		destination: text(meta.destination, MAX_NAME_LENGTH),
		startDate,
		endDate,
		days,
		people,
		peopleById,
		categories: readCategories(root, categoryNames, items),
		items,
		rules,
		plan: readPlan(obj(root.plan), startDate, endDate),
		notes: text(root.notes, MAX_NOTES_LENGTH),
	};
}

function readPeople(raw: Obj): PersonView[] {
	const out: PersonView[] = [];
	for (const id of idKeys(raw)) {
		const value = raw[id];
		if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
		const p = obj(value);
		out.push({
			id: id as PersonId,
			name: text(p.name, MAX_NAME_LENGTH) || 'Someone',
			colour: isColour(p.colour) ? p.colour.toLowerCase() : '',
			userId: isUserId(p.userId) ? p.userId : null,
		});
	}
	out.sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	// A missing colour gets a deterministic one, so every client paints the person the same.
	out.forEach((p, i) => (p.colour ||= PERSON_COLOURS[i % PERSON_COLOURS.length] ?? '#888888'));
	return out;
}

type RawItem = Omit<ItemView, 'quantity'> & { manual: number };

function readItems(
	raw: Obj,
	categories: Map<CategoryId, string>,
	people: Record<string, PersonView>,
): Map<ItemId, RawItem> {
	const out = new Map<ItemId, RawItem>();
	const personOrder = Object.keys(people);
	for (const id of idKeys(raw)) {
		const value = raw[id];
		if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
		const it = obj(value);
		const categoryId = categories.has(it.categoryId as CategoryId) ? (it.categoryId as CategoryId) : ORPHAN_CATEGORY_ID;
		const owner: Owner =
			typeof it.owner === 'string' && isDocId(it.owner) && people[it.owner] ? (it.owner as PersonId) : SHARED;
		const packedRaw = obj(it.packed);
		const packedBy = personOrder.filter(
			(p) => Object.prototype.hasOwnProperty.call(packedRaw, p) && packedRaw[p] === true,
		) as PersonId[];
		out.set(id as ItemId, {
			id: id as ItemId,
			name: text(it.name, MAX_NAME_LENGTH) || 'Untitled item',
			categoryId,
			owner,
			manual: wholeNumber(it.quantity, 0, MAX_QUANTITY) ?? 1,
			notes: text(it.notes, MAX_NOTES_LENGTH),
			packedBy,
			packed: owner === SHARED ? packedBy.length > 0 : packedBy.includes(owner),
			createdBy: isDocId(it.createdBy) ? (it.createdBy as PersonId) : null,
			createdAt: typeof it.createdAt === 'number' && Number.isFinite(it.createdAt) ? it.createdAt : null,
		});
	}
	return out;
}

function readRules(raw: Obj, items: Map<ItemId, RawItem>, people: Record<string, PersonView>): RuleView[] {
	const out: RuleView[] = [];
	for (const id of idKeys(raw).sort()) {
		const r = obj(raw[id]);
		if (!items.has(r.itemId as ItemId)) continue;
		if (!RULE_KINDS.includes(r.kind as RuleKind)) continue;
		const amount = wholeNumber(r.amount, 0, MAX_QUANTITY);
		if (amount === null) continue;
		let minDays = wholeNumber(r.minDays, 1, 366);
		let maxDays = wholeNumber(r.maxDays, 1, 366);
		if (minDays !== null && maxDays !== null && minDays > maxDays) [minDays, maxDays] = [maxDays, minDays];
		const scope = Array.isArray(r.people)
			? [
					...new Set(
						r.people.filter((p): p is PersonId => typeof p === 'string' && people[p] !== undefined && isDocId(p)),
					),
				]
			: null;
		out.push({
			id: id as RuleId,
			itemId: r.itemId as ItemId,
			kind: r.kind as RuleKind,
			amount,
			minDays,
			maxDays,
			people: scope,
		});
	}
	return out;
}

function compareCreated(a: ItemView, b: ItemView): number {
	const ta = a.createdAt ?? 0;
	const tb = b.createdAt ?? 0;
	return ta - tb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Category and item order, repaired: listed ids that exist, once each, in list order; then anything
 * unlisted in a deterministic order. An item's own `categoryId` decides where it belongs, so an id
 * left in a second list by concurrent moves shows once, in the right place.
 */
function readCategories(root: Obj, names: Map<CategoryId, string>, items: Record<string, ItemView>): CategoryView[] {
	const order: CategoryId[] = [];
	const seen = new Set<string>();
	for (const id of list(root.categoryOrder)) {
		if (typeof id === 'string' && names.has(id as CategoryId) && !seen.has(id)) {
			seen.add(id);
			order.push(id as CategoryId);
		}
	}
	for (const id of [...names.keys()].sort()) if (!seen.has(id)) order.push(id);

	const byCategory = new Map<string, ItemView[]>();
	for (const it of Object.values(items)) {
		const bucket = byCategory.get(it.categoryId);
		if (bucket) bucket.push(it);
		else byCategory.set(it.categoryId, [it]);
	}
	const itemOrder = obj(root.itemOrder);
	const build = (id: CategoryId, name: string, synthetic: boolean): CategoryView => {
		const members = byCategory.get(id) ?? [];
		const placed = new Set<string>();
		const itemIds: ItemId[] = [];
		if (!synthetic && Object.prototype.hasOwnProperty.call(itemOrder, id)) {
			for (const itemId of list(itemOrder[id])) {
				if (typeof itemId !== 'string' || placed.has(itemId)) continue;
				const it = Object.prototype.hasOwnProperty.call(items, itemId) ? items[itemId] : undefined;
				if (it && it.categoryId === id) {
					placed.add(itemId);
					itemIds.push(it.id);
				}
			}
		}
		for (const it of members.filter((m) => !placed.has(m.id)).sort(compareCreated)) itemIds.push(it.id);
		return { id, name, itemIds, synthetic };
	};
	const out = order.map((id) => build(id, names.get(id) ?? '', false));
	if (byCategory.has(ORPHAN_CATEGORY_ID)) out.push(build(ORPHAN_CATEGORY_ID, ORPHAN_CATEGORY_NAME, true));
	return out;
}

function readPlan(raw: Obj, start: IsoDate | null, end: IsoDate | null): PlanDayView[] {
	const out: PlanDayView[] = [];
	for (const date of Object.keys(raw).filter(isIsoDate).sort()) {
		const value = raw[date];
		if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
		const day = obj(value);
		const seen = new Set<string>();
		const activities: ActivityView[] = [];
		for (const a of list(day.activities)) {
			const act = obj(a);
			if (!isDocId(act.id) || seen.has(act.id)) continue;
			seen.add(act.id);
			activities.push({
				id: act.id as ActivityId,
				text: text(act.text, MAX_NAME_LENGTH),
			});
		}
		const inRange = start !== null && end !== null && date >= start && date <= end;
		out.push({
			date,
			text: text(day.text, MAX_NOTES_LENGTH),
			activities,
			inRange,
		});
	}
	return out;
}
