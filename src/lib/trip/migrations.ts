// Schema migrations: functions of the document applied as ordinary Automerge changes, so they sync
// like any edit. Rules that keep peers on older versions working:
// - only add: never rename, retype or delete a field an older peer still reads or writes;
// - idempotent: create a container only when it is missing, so two peers migrating the same
//   document concurrently write nothing the second time round;
// - readers never depend on the migration having run: readTrip repairs any shape.
// A peer that finds a newer schemaVersion than it knows keeps reading (unknown fields are
// ignored) but should not write; see `isNewerThanSupported`.
import * as A from '@automerge/automerge';
import type { PersonId } from './ids';
import { formatMessage } from './messages';
import { isMap } from './op';
import { CURRENT_SCHEMA_VERSION, type TripDoc } from './schema';

export interface Migration {
	to: number;
	description: string;
	up: (d: TripDoc) => void;
}

export const MIGRATIONS: readonly Migration[] = [
	{
		to: 1,
		description: 'pre-release documents: add the containers introduced before version 1',
		up: (d) => {
			if (!isMap(d.meta)) d.meta = { name: '', destination: '', startDate: '', endDate: '' };
			for (const key of [
				'people',
				'categories',
				'items',
				'itemOrder',
				'rules',
				'overrides',
				'plan',
				'actors',
			] as const) {
				if (!isMap(d[key])) (d as unknown as Record<string, unknown>)[key] = {};
			}
			if (!Array.isArray(d.categoryOrder)) d.categoryOrder = [];
			if (typeof d.notes !== 'string') d.notes = '';
			if (isMap(d.categories) && isMap(d.itemOrder)) {
				for (const id of Object.keys(d.categories)) if (!Array.isArray(d.itemOrder[id])) d.itemOrder[id] = [];
			}
		},
	},
];

export function schemaVersionOf(doc: unknown): number {
	const v = isMap(doc) ? doc.schemaVersion : undefined;
	return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

export function needsMigration(doc: unknown): boolean {
	return schemaVersionOf(doc) < CURRENT_SCHEMA_VERSION;
}

/** Written by a newer app: read it, but do not write (the newer schema may expect more). */
export function isNewerThanSupported(doc: unknown): boolean {
	return schemaVersionOf(doc) > CURRENT_SCHEMA_VERSION;
}

/** Brings a document up to CURRENT_SCHEMA_VERSION, one change per migration step. */
export function migrate(doc: A.Doc<TripDoc>, ctx: { by?: PersonId } = {}): A.Doc<TripDoc> {
	let out = doc;
	for (const m of MIGRATIONS) {
		if (schemaVersionOf(out) >= m.to) continue;
		out = A.change(out, { message: formatMessage('migrate', { to: String(m.to) }, ctx.by) }, (d) => {
			m.up(d);
			d.schemaVersion = m.to;
		});
	}
	return out;
}
