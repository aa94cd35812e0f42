// Where conflicts can be, and how to look for them in one part of a trip. getConflicts scans every
// part; ConflictIndex (conflict-index.ts) rescans only the parts a change's patches touched. Both
// go through `scanScope`, so they cannot disagree about what counts as a conflict.
import * as A from '@automerge/automerge';
import type { PersonId } from './ids';
import { hasOwn, isMap, mapsAt, own, unionMap } from './conflicted';
import type { TripDoc } from './schema';

export interface ConflictValue {
	value: unknown;
	/** The Automerge op id (`counter@actor`) that wrote this value. */
	opId: string;
	actor: string;
	/** The person behind the actor, as the document claims it (show the server's author instead). */
	by: PersonId | null;
}

export interface Conflict {
	path: (string | number)[];
	/** Every concurrent value; the first is the one Automerge currently shows. */
	values: ConflictValue[];
}

type Section = { fields: string[]; entities: boolean };

/** The parts of a trip that hold plain fields people set (text fields merge and are listed only
 * when two people created the whole text at once). */
export const SECTIONS: Record<string, Section> = {
	meta: { fields: ['name', 'destination', 'startDate', 'endDate'], entities: false },
	notes: { fields: [], entities: false },
	people: { fields: ['name', 'colour', 'userId'], entities: true },
	categories: { fields: ['name'], entities: true },
	items: { fields: ['name', 'categoryId', 'owner', 'quantity', 'notes'], entities: true },
	rules: { fields: ['kind', 'amount', 'minDays', 'maxDays', 'itemId'], entities: true },
	overrides: { fields: [], entities: true },
	planEntries: { fields: ['text'], entities: true },
	plan: { fields: ['text'], entities: true },
};

function plain(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return value;
	try {
		return JSON.parse(JSON.stringify(value)) as unknown;
	} catch {
		return null;
	}
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

/**
 * The conflict at `parent[key]`, if any. Left out: values that are all the same (both ticked:
 * nothing to choose between), and concurrent containers, which no one can choose between either.
 */
export function conflictAt(
	actors: Record<string, unknown>,
	parent: unknown,
	path: string[],
	key: string,
): Conflict | null {
	if (!isMap(parent) || !hasOwn(parent, key)) return null;
	let found: Record<string, unknown> | undefined;
	try {
		found = A.getConflicts(parent as A.Doc<unknown>, key) as Record<string, unknown> | undefined;
	} catch {
		return null; // a value copied out of a concurrent container: not addressable, see conflicted.ts
	}
	if (!found || Object.keys(found).length < 2) return null;
	if (Object.values(found).some(isObject)) return null;
	const shown = parent[key];
	const values = Object.entries(found).map(([opId, value]) => {
		const actor = opId.slice(opId.indexOf('@') + 1);
		const by = actors[actor];
		return { value: plain(value), opId, actor, by: typeof by === 'string' ? (by as PersonId) : null };
	});
	if (values.every((v) => JSON.stringify(v.value) === JSON.stringify(values[0]?.value))) return null;
	// Show the winning value first so the UI can say "currently X".
	values.sort((a, b) => Number(b.value === shown) - Number(a.value === shown) || (a.opId < b.opId ? -1 : 1));
	return { path: [...path, key], values };
}

/** The document's actor → person claims (used only for `ConflictValue.by`). */
export const actorClaims = (doc: A.Doc<TripDoc>): Record<string, unknown> => unionMap(doc, 'actors');

/**
 * Every conflict inside `scope`: [] is the whole trip, [section], [section, id], [section, id,
 * field] or, for ticks, [items, id, packed(, person)]. Scopes outside SECTIONS hold none.
 */
export function scanScope(
	doc: A.Doc<TripDoc>,
	actors: Record<string, unknown>,
	scope: string[],
	emit: (c: Conflict) => void,
): void {
	const check = (parent: unknown, path: string[], key: string) => {
		const c = conflictAt(actors, parent, path, key);
		if (c) emit(c);
	};
	if (scope.length === 0) {
		for (const name of Object.keys(SECTIONS)) scanScope(doc, actors, [name], emit);
		return;
	}
	const [name, id, field, sub] = scope as [string, string?, string?, string?];
	const section = SECTIONS[name];
	if (!section) return;
	if (name === 'notes') return check(doc, [], 'notes');
	const [container] = mapsAt(doc, name);
	if (!section.entities) {
		for (const f of section.fields) if (id === undefined || id === f) check(container, [name], f);
		return;
	}
	if (!isMap(container)) return;
	const entity = (eid: string) => {
		check(container, [name], eid);
		const child = own(container, eid);
		for (const f of section.fields) check(child, [name, eid], f);
		if (name === 'items') packed(eid);
	};
	const packed = (eid: string, person?: string) => {
		const ticks = own(own(container, eid), 'packed');
		if (!isMap(ticks)) return;
		for (const p of person === undefined ? Object.keys(ticks) : [person]) check(ticks, [name, eid, 'packed'], p);
	};
	if (id === undefined) for (const eid of Object.keys(container)) entity(eid);
	else if (field === undefined) entity(id);
	else if (name === 'items' && field === 'packed') packed(id, sub);
	else if (section.fields.includes(field)) check(own(container, id), [name, id], field);
}

export function comparePaths(a: (string | number)[], b: (string | number)[]): number {
	for (let i = 0; i < Math.min(a.length, b.length); i++) {
		const x = String(a[i]);
		const y = String(b[i]);
		if (x !== y) return x < y ? -1 : 1;
	}
	return a.length - b.length;
}
