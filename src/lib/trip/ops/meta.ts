// Trip-level operations: creation, name and destination, dates, shared notes.
import * as A from '@automerge/automerge';
import { eachDay, isIsoDate, MAX_TRIP_DAYS, tripDays } from '../dates';
import { isTripId, newTripId, type IsoDate, type TripId } from '../ids';
import { formatMessage } from '../messages';
import {
	checkName,
	checkText,
	defineOp,
	isMap,
	MAX_NAME_LENGTH,
	MAX_NOTES_LENGTH,
	setText,
	TripOpError,
	type OpContext,
	type Recipe,
} from '../op';
import { CURRENT_SCHEMA_VERSION, type TripDoc } from '../schema';

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
 * Creates an empty plan entry for each day in range. Done when dates are set rather than on first
 * edit so two people typing into the same new day concurrently edit one shared text instead of
 * creating two entries of which only one would survive the merge.
 */
function ensurePlanDays(d: TripDoc, start: string, end: string): void {
	if (!isIsoDate(start) || !isIsoDate(end)) return;
	if (!isMap(d.plan)) d.plan = {};
	for (const date of eachDay(start, end)) {
		if (!isMap(d.plan[date])) d.plan[date] = { text: '', activities: [] };
	}
}

/** The recipe that fills an empty document with a new trip. Use on `repo.create()`'s handle. */
export function createTripRecipe(args: CreateTripArgs): Recipe {
	const name = checkName(args.name, 'trip name');
	const destination = checkText(args.destination ?? '', 'destination', MAX_NAME_LENGTH).trim();
	const { start, end } = checkDates(args.startDate, args.endDate);
	if (args.tripId !== undefined && !isTripId(args.tripId)) {
		throw new TripOpError('invalid', 'trip id must be a lowercase UUID');
	}
	const tripId = args.tripId ?? newTripId();
	return (d) => {
		d.schemaVersion = CURRENT_SCHEMA_VERSION;
		d.tripId = tripId;
		d.meta = { name, destination, startDate: start, endDate: end };
		d.people = {};
		d.categoryOrder = [];
		d.categories = {};
		d.items = {};
		d.itemOrder = {};
		d.rules = {};
		d.overrides = {};
		d.plan = {};
		d.notes = '';
		d.actors = {};
		ensurePlanDays(d, start, end);
	};
}

/** A new trip document in one change. `ctx.actor` pins the Automerge actor (tests, benchmarks). */
export function createTrip(args: CreateTripArgs, ctx: OpContext = {}): A.Doc<TripDoc> {
	const recipe = createTripRecipe(args);
	const doc = A.init<TripDoc>(ctx.actor ? { actor: ctx.actor } : undefined);
	const actor = A.getActorId(doc);
	return A.change(doc, { message: formatMessage('createTrip', args, ctx.by) }, (d) => {
		recipe(d);
		if (ctx.by) d.actors[actor] = ctx.by;
	});
}

function ensureMeta(d: TripDoc): TripDoc['meta'] {
	if (!isMap(d.meta)) d.meta = { name: '', destination: '', startDate: '', endDate: '' };
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
		if (name !== undefined) setText(d, ['meta', 'name'], meta, 'name', name);
		if (destination !== undefined) setText(d, ['meta', 'destination'], meta, 'destination', destination);
	};
});

export const renameTrip = defineOp('renameTrip', (args: { name: string }) => {
	const name = checkName(args.name, 'trip name');
	return (d) => setText(d, ['meta', 'name'], ensureMeta(d), 'name', name);
});

export interface SetDatesArgs {
	startDate: IsoDate | null;
	endDate: IsoDate | null;
}

export const setDates = defineOp('setDates', (args: SetDatesArgs) => {
	const { start, end } = checkDates(args.startDate, args.endDate);
	return (d) => {
		const meta = ensureMeta(d);
		if (meta.startDate !== start) meta.startDate = start;
		if (meta.endDate !== end) meta.endDate = end;
		ensurePlanDays(d, start, end);
	};
});

/** Replaces the shared notes with a new version, diffed into character edits. */
export const setNotes = defineOp('setNotes', (args: { text: string }) => {
	const text = checkText(args.text, 'notes');
	return (d) => setText(d, ['notes'], d, 'notes', text);
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
		if (typeof d.notes !== 'string') d.notes = '';
		const length = d.notes.length;
		// Clamp rather than throw: the editor's view of the text may lag a merge by a keystroke.
		const index = Math.min(args.index, length);
		const del = Math.min(args.deleteCount, length - index);
		if (del === 0 && insert === '') return;
		if (length - del + insert.length > MAX_NOTES_LENGTH) throw new TripOpError('invalid', 'notes are too long');
		A.splice(d, ['notes'], index, del, insert);
	};
});
