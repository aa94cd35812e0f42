// Importing a JSON export (export.ts). Unlike readTrip, which quietly repairs, import is strict: a
// file a person chose should either load exactly or say precisely what is wrong with it.
import * as A from '@automerge/automerge';
import { isIsoDate, tripDays, MAX_TRIP_DAYS } from './dates';
import { newTripDoc } from './genesis';
import { isDocId, isTripId, isUserId, newTripId, randomId } from './ids';
import type { CategoryId, IsoDate, ItemId, TripId } from './ids';
import { formatMessage } from './messages';
import { isMap, MAX_NAME_LENGTH, MAX_NOTES_LENGTH, MAX_QUANTITY, setText, type OpContext } from './op';
import { isColour } from './ops/people';
import { ORPHAN_CATEGORY_ID, RULE_KINDS, SHARED, type TripDoc } from './schema';
import { EXPORT_FORMAT, EXPORT_VERSION, type TripExport } from './export';

export type ImportResult = { ok: true; doc: A.Doc<TripDoc> } | { ok: false; errors: string[] };

type Check = (value: unknown, path: string) => boolean;

class Checker {
	readonly errors: string[] = [];
	fail(path: string, message: string): false {
		if (this.errors.length < 50) this.errors.push(`${path}: ${message}`);
		return false;
	}
	text(value: unknown, path: string, max: number, nonEmpty = false): boolean {
		if (typeof value !== 'string') return this.fail(path, 'must be text');
		if (value.length > max) return this.fail(path, `is longer than ${max} characters`);
		if (nonEmpty && !value.trim()) return this.fail(path, 'must not be empty');
		return true;
	}
	count(value: unknown, path: string, nullable = false): boolean {
		if (nullable && value === null) return true;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_QUANTITY) {
			return this.fail(path, `must be a whole number from 0 to ${MAX_QUANTITY}${nullable ? ' or null' : ''}`);
		}
		return true;
	}
	id(value: unknown, path: string, seen?: Set<string>): boolean {
		if (!isDocId(value)) return this.fail(path, 'must be an id of letters, digits, - and _');
		if (seen?.has(value)) return this.fail(path, `duplicate id ${value}`);
		seen?.add(value);
		return true;
	}
	array(value: unknown, path: string, each: Check): boolean {
		if (!Array.isArray(value)) return this.fail(path, 'must be a list');
		value.forEach((v, i) => each(v, `${path}[${i}]`));
		return true;
	}
	object(value: unknown, path: string): value is Record<string, unknown> {
		return isMap(value) ? true : this.fail(path, 'must be an object');
	}
}

/** Checks an export against the format; returns the typed export or every problem found. */
export function parseTripExport(json: string): { ok: true; data: TripExport } | { ok: false; errors: string[] } {
	let raw: unknown;
	try {
		raw = JSON.parse(json);
	} catch (e) {
		return { ok: false, errors: [`not JSON: ${(e as Error).message}`] };
	}
	const c = new Checker();
	if (!c.object(raw, 'trip')) return { ok: false, errors: c.errors };
	if (raw.format !== EXPORT_FORMAT)
		return {
			ok: false,
			errors: [`trip.format: expected "${EXPORT_FORMAT}", this is not a Tripmate export`],
		};
	if (raw.version !== EXPORT_VERSION)
		return {
			ok: false,
			errors: [`trip.version: version ${String(raw.version)} is not supported (expected ${EXPORT_VERSION})`],
		};
	if (raw.tripId !== null && !isTripId(raw.tripId)) c.fail('trip.tripId', 'must be a lowercase UUID or null');
	c.text(raw.name, 'trip.name', MAX_NAME_LENGTH, true);
	c.text(raw.destination, 'trip.destination', MAX_NAME_LENGTH);
	for (const key of ['startDate', 'endDate'] as const) {
		if (raw[key] !== null && !isIsoDate(raw[key])) c.fail(`trip.${key}`, 'must be YYYY-MM-DD or null');
	}
	if (isIsoDate(raw.startDate) && isIsoDate(raw.endDate)) {
		const days = tripDays(raw.startDate, raw.endDate);
		if (days < 1 || days > MAX_TRIP_DAYS)
			c.fail('trip.endDate', `must be 0 to ${MAX_TRIP_DAYS - 1} days after the start`);
	}
	const people = new Set<string>();
	c.array(raw.people, 'trip.people', (p, path) => {
		if (!c.object(p, path)) return false;
		c.id(p.id, `${path}.id`, people);
		c.text(p.name, `${path}.name`, MAX_NAME_LENGTH, true);
		if (!isColour(p.colour)) c.fail(`${path}.colour`, 'must be #rrggbb');
		if (p.userId !== null && !isUserId(p.userId)) c.fail(`${path}.userId`, 'must be a UUID or null');
		return true;
	});
	const categories = new Set<string>();
	const items = new Set<string>();
	const itemChecks: (() => void)[] = [];
	c.array(raw.categories, 'trip.categories', (cat, path) => {
		if (!c.object(cat, path)) return false;
		if (cat.id !== ORPHAN_CATEGORY_ID) c.id(cat.id, `${path}.id`, categories);
		c.text(cat.name, `${path}.name`, MAX_NAME_LENGTH);
		return c.array(cat.items, `${path}.items`, (it, ipath) => {
			if (!c.object(it, ipath)) return false;
			c.id(it.id, `${ipath}.id`, items);
			c.text(it.name, `${ipath}.name`, MAX_NAME_LENGTH, true);
			c.count(it.quantity, `${ipath}.quantity`);
			c.count(it.override, `${ipath}.override`, true);
			c.text(it.notes, `${ipath}.notes`, MAX_NOTES_LENGTH);
			if (it.createdBy !== null && !isDocId(it.createdBy)) c.fail(`${ipath}.createdBy`, 'must be an id or null');
			if (it.createdAt !== null && (typeof it.createdAt !== 'number' || !Number.isFinite(it.createdAt)))
				c.fail(`${ipath}.createdAt`, 'must be a number or null');
			// People are all known only after the whole list is read.
			itemChecks.push(() => {
				if (it.owner !== SHARED && !people.has(it.owner as string))
					c.fail(`${ipath}.owner`, `unknown person ${String(it.owner)}`);
				c.array(
					it.packedBy,
					`${ipath}.packedBy`,
					(p, ppath) => people.has(p as string) || c.fail(ppath, `unknown person ${String(p)}`),
				);
			});
			return true;
		});
	});
	itemChecks.forEach((check) => check());
	const rules = new Set<string>();
	c.array(raw.rules, 'trip.rules', (r, path) => {
		if (!c.object(r, path)) return false;
		c.id(r.id, `${path}.id`, rules);
		if (!items.has(r.itemId as string)) c.fail(`${path}.itemId`, `unknown item ${String(r.itemId)}`);
		if (!RULE_KINDS.includes(r.kind as never)) c.fail(`${path}.kind`, `must be one of ${RULE_KINDS.join(', ')}`);
		c.count(r.amount, `${path}.amount`);
		for (const key of ['minDays', 'maxDays'] as const) {
			const v = r[key];
			if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TRIP_DAYS))
				c.fail(`${path}.${key}`, 'must be 1 to 366 or null');
		}
		if (r.people !== null)
			c.array(
				r.people,
				`${path}.people`,
				(p, ppath) => people.has(p as string) || c.fail(ppath, `unknown person ${String(p)}`),
			);
		return true;
	});
	const dates = new Set<string>();
	c.array(raw.plan, 'trip.plan', (day, path) => {
		if (!c.object(day, path)) return false;
		if (!isIsoDate(day.date)) c.fail(`${path}.date`, 'must be YYYY-MM-DD');
		else if (dates.has(day.date)) c.fail(`${path}.date`, `duplicate date ${day.date}`);
		else dates.add(day.date);
		c.text(day.text, `${path}.text`, MAX_NOTES_LENGTH);
		const ids = new Set<string>();
		return c.array(day.activities, `${path}.activities`, (a, apath) => {
			if (!c.object(a, apath)) return false;
			c.id(a.id, `${apath}.id`, ids);
			return c.text(a.text, `${apath}.text`, MAX_NAME_LENGTH);
		});
	});
	c.text(raw.notes, 'trip.notes', MAX_NOTES_LENGTH);
	return c.errors.length ? { ok: false, errors: c.errors } : { ok: true, data: raw as unknown as TripExport };
}

export interface ImportOptions {
	/** The id of the new trip; default: the exported id, or a fresh one if it had none. */
	tripId?: TripId;
	ctx?: OpContext;
}

/**
 * Creates a trip document from a JSON export: the genesis, then one change. Ids are kept so the
 * round trip is exact; items of the synthetic "Other" stay there, in their order.
 */
export function importTrip(json: string, options: ImportOptions = {}): ImportResult {
	const parsed = parseTripExport(json);
	if (!parsed.ok) return parsed;
	const t = parsed.data;
	const ctx = options.ctx ?? {};
	const doc = newTripDoc(ctx.actor);
	const out = A.change(doc, { message: formatMessage('importTrip', {}, ctx.by) }, (d) => {
		d.tripId = options.tripId ?? (t.tripId as TripId | null) ?? newTripId();
		setText(d.meta as never, 'name', t.name);
		setText(d.meta as never, 'destination', t.destination);
		d.meta.startDate = t.startDate ?? '';
		d.meta.endDate = t.endDate ?? '';
		for (const p of t.people)
			d.people[p.id] = {
				name: p.name,
				colour: p.colour,
				userId: p.userId as TripDoc['people'][string]['userId'],
			};
		for (const cat of t.categories) {
			const id = cat.id as CategoryId;
			if (id !== ORPHAN_CATEGORY_ID) {
				d.categoryOrder.push(id);
				d.categories[id] = { name: cat.name || 'Untitled category' };
			}
			if (!d.itemOrder[id]) d.itemOrder[id] = [];
			d.itemOrder[id].push(...(cat.items.map((it) => it.id) as ItemId[]));
			for (const it of cat.items) {
				const packed: Record<string, boolean> = {};
				for (const p of it.packedBy) packed[p] = true;
				d.items[it.id] = {
					name: it.name,
					categoryId: id,
					owner: it.owner as never,
					quantity: it.quantity,
					notes: it.notes,
					packed,
					createdBy: it.createdBy as never,
					createdAt: it.createdAt,
				};
				if (it.override !== null) d.overrides[it.id] = it.override;
			}
		}
		for (const r of t.rules) {
			d.rules[r.id] = {
				itemId: r.itemId as never,
				kind: r.kind as never,
				amount: r.amount,
				minDays: r.minDays,
				maxDays: r.maxDays,
				people: r.people as never,
			};
		}
		for (const day of t.plan) {
			if (!day.text && day.activities.length === 0) continue; // empty days are the view's, not stored
			d.planEntries[randomId()] = {
				date: day.date as IsoDate,
				text: day.text,
				activities: day.activities.map((a) => ({ id: a.id as never, text: a.text })),
			};
		}
		setText(d as never, 'notes', t.notes);
		if (ctx.by) d.actors[A.getActorId(doc)] = ctx.by;
	});
	return { ok: true, doc: out };
}
