// The validating read view. Documents arrive from the network and may have been written by an old,
// buggy or malicious peer, so the UI never reads a TripDoc directly: `readTrip` turns any value into
// a well-formed TripView. Unknown fields are ignored, wrong types repaired or dropped, dangling
// references fixed — and it never throws.
import { asString, hasOwn, listsAt, mapsAt, unionList, unionMap } from './conflicted';
import { isIsoDate, MAX_TRIP_DAYS, tripDays } from './dates';
import { isDocId, isTripId, isUserId } from './ids';
import type { CategoryId, ItemId, PersonId, RuleId } from './ids';
import { MAX_NAME_LENGTH, MAX_NOTES_LENGTH, MAX_QUANTITY } from './op';
import { cut, readPlan } from './validate-plan';
import { colourForId, isColour } from './ops/people';
import { resolveQuantity, type RuleContext } from './rules';
import {
	ORPHAN_CATEGORY_ID,
	ORPHAN_CATEGORY_NAME,
	RULE_KINDS,
	SHARED,
	type CategoryView,
	type ItemView,
	type Owner,
	type PersonView,
	type RuleKind,
	type RuleView,
	type TripView,
} from './schema';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

/**
 * Text for the view: collaborative or immutable strings, cut to `max` UTF-16 units without
 * splitting a surrogate pair (an emoji at the cut goes whole). A name that is empty or only
 * whitespace shows `fallback`, since nothing blank can be exported or sent to the server.
 */
export function text(value: unknown, max: number, fallback = ''): string {
	const raw = asString(value);
	if (raw === undefined) return fallback;
	const out = cut(raw, max);
	return fallback && !out.trim() ? fallback : out;
}

export const UNTITLED_TRIP = 'Untitled trip';

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
	const meta = unionMap(root, 'meta');
	const start = asString(meta.startDate);
	const end = asString(meta.endDate);
	const startDate = isIsoDate(start) ? start : null;
	const span = startDate && isIsoDate(end) ? tripDays(startDate, end) : null;
	// Only a range the ops would accept; otherwise the start alone, so an export still imports.
	const valid = span !== null && span >= 1 && span <= MAX_TRIP_DAYS;
	const endDate = isIsoDate(end) && (valid || !startDate) ? end : null;
	const days = valid ? span : null;

	const people = readPeople(unionMap(root, 'people'));
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
		const override = hasOwn(overrides, id) ? wholeNumber(overrides[id], 0, MAX_QUANTITY) : null;
		const quantity = resolveQuantity(rulesByItem.get(id) ?? [], it.owner, it.manual, override, ruleCtx);
		const { manual: _manual, ...rest } = it;
		items[id] = { ...rest, quantity };
	}

	const version = wholeNumber(root.schemaVersion, 0, Number.MAX_SAFE_INTEGER) ?? 0;
	return {
		schemaVersion: version,
		tripId: isTripId(asString(root.tripId)) ? (asString(root.tripId) as TripView['tripId']) : null,
		name: text(meta.name, MAX_NAME_LENGTH, UNTITLED_TRIP),
		destination: text(meta.destination, MAX_NAME_LENGTH),
		startDate,
		endDate,
		days,
		people,
		peopleById,
		categories: readCategories(root, categoryNames, items),
		items,
		rules,
		plan: readPlan(root, startDate, endDate),
		notes: text(root.notes, MAX_NOTES_LENGTH),
	};
}

function readPeople(raw: Obj): PersonView[] {
	const out: PersonView[] = [];
	for (const id of idKeys(raw)) {
		const value = raw[id];
		if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
		const p = obj(value);
		const colour = asString(p.colour);
		const userId = asString(p.userId);
		out.push({
			id: id as PersonId,
			name: text(p.name, MAX_NAME_LENGTH, 'Someone'),
			// A missing colour gets the one the id gives, so every client paints the person the same.
			colour: isColour(colour) ? colour.toLowerCase() : colourForId(id),
			userId: isUserId(userId) ? userId : null,
		});
	}
	// Code-unit order, never localeCompare: the same list on every device, whatever its locale.
	const key = (p: PersonView) => p.name.toLowerCase();
	out.sort((a, b) => compare(key(a), key(b)) || compare(a.name, b.name) || compare(a.id, b.id));
	return out;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
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
		const stored = asString(it.categoryId) as CategoryId | undefined;
		const categoryId = stored !== undefined && categories.has(stored) ? stored : ORPHAN_CATEGORY_ID;
		const ownerId = asString(it.owner);
		const owner: Owner =
			ownerId !== undefined && isDocId(ownerId) && hasOwn(people, ownerId) ? (ownerId as PersonId) : SHARED;
		const packedRaw = obj(it.packed);
		const ticked = (p: string) => hasOwn(packedRaw, p) && packedRaw[p] === true;
		// A personal item's tick is its owner's, whoever set it (ops/items.ts togglePacked); ticks
		// stored under other people (from before it became personal) count again if it is shared.
		const packedBy = (owner === SHARED ? personOrder.filter(ticked) : ticked(owner) ? [owner] : []) as PersonId[];
		const createdBy = asString(it.createdBy);
		out.set(id as ItemId, {
			id: id as ItemId,
			name: text(it.name, MAX_NAME_LENGTH, 'Untitled item'),
			categoryId,
			owner,
			manual: wholeNumber(it.quantity, 0, MAX_QUANTITY) ?? 1,
			notes: text(it.notes, MAX_NOTES_LENGTH),
			packedBy,
			packed: packedBy.length > 0,
			createdBy: isDocId(createdBy) ? (createdBy as PersonId) : null,
			createdAt: typeof it.createdAt === 'number' && Number.isFinite(it.createdAt) ? it.createdAt : null,
		});
	}
	return out;
}

function readRules(raw: Obj, items: Map<ItemId, RawItem>, people: Record<string, PersonView>): RuleView[] {
	const out: RuleView[] = [];
	for (const id of idKeys(raw).sort()) {
		const r = obj(raw[id]);
		const itemId = asString(r.itemId) as ItemId | undefined;
		const kind = asString(r.kind) as RuleKind | undefined;
		if (itemId === undefined || !items.has(itemId)) continue;
		if (kind === undefined || !RULE_KINDS.includes(kind)) continue;
		const amount = wholeNumber(r.amount, 0, MAX_QUANTITY);
		if (amount === null) continue;
		let minDays = wholeNumber(r.minDays, 1, 366);
		let maxDays = wholeNumber(r.maxDays, 1, 366);
		if (minDays !== null && maxDays !== null && minDays > maxDays) [minDays, maxDays] = [maxDays, minDays];
		const lists = listsAt(r, 'people');
		const scope = lists.length
			? [
					...new Set(
						lists
							.flat()
							.map(asString)
							.filter((p): p is PersonId => p !== undefined && isDocId(p) && hasOwn(people, p)),
					),
				]
			: null;
		out.push({
			id: id as RuleId,
			itemId,
			kind,
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
	for (const raw of unionList(root, 'categoryOrder')) {
		const id = asString(raw);
		if (id !== undefined && names.has(id as CategoryId) && !seen.has(id)) {
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
	const orders = mapsAt(root, 'itemOrder');
	const build = (id: CategoryId, name: string, synthetic: boolean): CategoryView => {
		const members = byCategory.get(id) ?? [];
		const placed = new Set<string>();
		const itemIds: ItemId[] = [];
		// Every list kept for the category (the synthetic one's too, so "Other" can be reordered).
		for (const raw of orders.flatMap((map) => listsAt(map, id)).flat()) {
			const itemId = asString(raw);
			if (itemId === undefined || placed.has(itemId)) continue;
			const it = hasOwn(items, itemId) ? items[itemId] : undefined;
			if (it && it.categoryId === id) {
				placed.add(itemId);
				itemIds.push(it.id);
			}
		}
		for (const it of members.filter((m) => !placed.has(m.id)).sort(compareCreated)) itemIds.push(it.id);
		return { id, name, itemIds, synthetic };
	};
	const out = order.map((id) => build(id, names.get(id) ?? '', false));
	if (byCategory.has(ORPHAN_CATEGORY_ID)) out.push(build(ORPHAN_CATEGORY_ID, ORPHAN_CATEGORY_NAME, true));
	return out;
}
