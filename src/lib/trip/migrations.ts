// Schema migrations: functions of the document applied as ordinary Automerge changes, so they sync
// like any edit. Rules that keep peers on older versions working:
// - never create a container. Two peers migrating at once would each create their own, and
//   Automerge would show one and hide the other with everything written into it. Containers come
//   from the genesis (genesis.ts) only; a new schema that needs one adds it to a new genesis for new
//   trips and reads its absence as empty in old ones;
// - only add: never rename, retype or delete a field an older peer still reads or writes;
// - readers never depend on the migration having run: readTrip repairs any shape, and reads every
//   container of a document that predates the genesis (conflicted.ts).
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
		description: 'pre-release documents: nothing to write; the view reads whatever containers they have',
		up: () => {},
	},
	{
		to: 2,
		description: 'plan entries by id instead of days by date: nothing to write; schema-1 days are still read',
		up: () => {},
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
			// A scalar: peers migrating at once write the same value, which is no conflict to show.
			d.schemaVersion = m.to;
		});
	}
	return out;
}
