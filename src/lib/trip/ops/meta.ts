// Trip-level operations: creation, name and destination, dates, shared notes.
import * as A from '@automerge/automerge';
import { asString, isMap, mapsAt } from '../conflicted';
import { isIsoDate, MAX_TRIP_DAYS, tripDays } from '../dates';
import { newTripDoc } from '../genesis';
import { isTripId, newTripId, type IsoDate, type TripId } from '../ids';
import {
	checkName,
	checkText,
	defineOp,
	MAX_NAME_LENGTH,
	MAX_NOTES_LENGTH,
	setText,
	TripOpError,
	type OpContext,
	type Recipe,
} from '../op';
import type { TripDoc } from '../schema';

export interface CreateTripArgs {
	tripId?: TripId;
	name: string;
	destination?: string;
	startDate?: IsoDate | null;
	endDate?: IsoDate | null;
}

function checkDates(start: unknown, end: unknown): { start: string; end: string } {
	const s = start ?? '';
	const e = end ?? '';
	if (s !== '' && !isIsoDate(s)) throw new TripOpError('invalid', 'start date must be YYYY-MM-DD');
	if (e !== '' && !isIsoDate(e)) throw new TripOpError('invalid', 'end date must be YYYY-MM-DD');
	if (isIsoDate(s) && isIsoDate(e)) {
		const days = tripDays(s, e);
		if (days < 1) throw new TripOpError('invalid', 'the trip must end on or after its start');
		if (days > MAX_TRIP_DAYS) throw new TripOpError('invalid', `a trip lasts at most ${MAX_TRIP_DAYS} days`);
	}
	return { start: s as string, end: e as string };
}

/**
 * The recipe that fills in a new trip. It writes into the genesis's containers and creates none, so
 * run it on a document that starts from the genesis: `newTripDoc()`, or a handle imported from it.
 */
export function createTripRecipe(args: CreateTripArgs): Recipe {
	const name = checkName(args.name, 'trip name');
	const destination = checkText(args.destination ?? '', 'destination', MAX_NAME_LENGTH).trim();
	const { start, end } = checkDates(args.startDate, args.endDate);
	if (args.tripId !== undefined && !isTripId(args.tripId)) {
		throw new TripOpError('invalid', 'trip id must be a lowercase UUID');
	}
	const tripId = args.tripId ?? newTripId();
	return (d) => {
		if (!isMap(d.meta) || !isMap(d.people) || !isMap(d.planEntries)) {
			throw new TripOpError('invalid', 'a new trip starts from the genesis (newTripDoc)');
		}
		if (isTripId(d.tripId)) throw new TripOpError('invalid', 'this document is already a trip');
		d.tripId = tripId;
		setText(d.meta as never, 'name', name);
		if (destination) setText(d.meta as never, 'destination', destination);
		if (start) d.meta.startDate = start;
		if (end) d.meta.endDate = end;
	};
}

/** createTripRecipe as an operation, e.g. for `applyOp` on a handle imported from the genesis. */
export const initTrip = defineOp(
	'createTrip',
	(args: CreateTripArgs) => createTripRecipe(args),
	(args) => (args.tripId ? args : { ...args, tripId: newTripId() }),
);

/** A new trip document: the genesis, then one change. `ctx.actor` pins the Automerge actor (tests, benchmarks). */
export function createTrip(args: CreateTripArgs, ctx: OpContext = {}): A.Doc<TripDoc> {
	return initTrip(newTripDoc(ctx.actor), args, ctx);
}

/** The meta the view shows first; only a document that predates the genesis can lack it. */
function ensureMeta(d: TripDoc): TripDoc['meta'] {
	const [meta] = mapsAt(d, 'meta');
	if (meta) return meta as unknown as TripDoc['meta'];
	d.meta = { name: '', destination: '', startDate: '', endDate: '' };
	return d.meta;
}

export interface TripMetaArgs {
	name?: string;
	destination?: string;
}

export const setTripMeta = defineOp('setTripMeta', (args: TripMetaArgs) => {
	const name = args.name === undefined ? undefined : checkName(args.name, 'trip name');
	const destination =
		args.destination === undefined ? undefined : checkText(args.destination, 'destination', MAX_NAME_LENGTH).trim();
	return (d) => {
		const meta = ensureMeta(d);
		if (name !== undefined) setText(meta as never, 'name', name);
		if (destination !== undefined) setText(meta as never, 'destination', destination);
	};
});

export const renameTrip = defineOp('renameTrip', (args: { name: string }) => {
	const name = checkName(args.name, 'trip name');
	return (d) => setText(ensureMeta(d) as never, 'name', name);
});

export interface SetDatesArgs {
	startDate: IsoDate | null;
	endDate: IsoDate | null;
}

export const setDates = defineOp('setDates', (args: SetDatesArgs) => {
	const { start, end } = checkDates(args.startDate, args.endDate);
	return (d) => {
		// Plain puts, not text edits: two different dates set at once must conflict visibly, where
		// merged characters would make a date nobody chose. No plan days are created (plan-slots.ts).
		const meta = ensureMeta(d);
		if (asString(meta.startDate) !== start) meta.startDate = start;
		if (asString(meta.endDate) !== end) meta.endDate = end;
	};
});

/** Replaces the shared notes with a new version, diffed into character edits. */
export const setNotes = defineOp('setNotes', (args: { text: string }) => {
	const text = checkText(args.text, 'notes');
	return (d) => setText(d as never, 'notes', text);
});

export interface EditNotesArgs {
	index: number;
	deleteCount: number;
	insert?: string;
}

/** One keystroke-level edit of the shared notes (what a text editor binding emits). */
export const editNotes = defineOp('editNotes', (args: EditNotesArgs) => {
	if (!Number.isInteger(args.index) || args.index < 0) throw new TripOpError('invalid', 'index must be ≥ 0');
	if (!Number.isInteger(args.deleteCount) || args.deleteCount < 0) {
		throw new TripOpError('invalid', 'deleteCount must be ≥ 0');
	}
	const insert = checkText(args.insert ?? '', 'inserted text');
	return (d) => {
		// Only a pre-genesis or damaged document lacks the notes text (or holds an immutable string).
		if (typeof d.notes !== 'string') d.notes = asString(d.notes) ?? '';
		const length = d.notes.length;
		// Clamp rather than throw: the editor's view of the text may lag a merge by a keystroke.
		const index = Math.min(args.index, length);
		const del = Math.min(args.deleteCount, length - index);
		if (del === 0 && insert === '') return;
		if (length - del + insert.length > MAX_NOTES_LENGTH) throw new TripOpError('invalid', 'notes are too long');
		A.splice(d, ['notes'], index, del, insert);
	};
});
