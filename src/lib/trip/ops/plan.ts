// The day-by-day plan: per date, free text and a list of activities, stored as entries keyed by
// random id so concurrent first edits of a day never overwrite each other (see plan-slots.ts).
import { asString, isMap, type Obj } from '../conflicted';
import { isIsoDate } from '../dates';
import { newActivityId, randomId, type ActivityId, type IsoDate } from '../ids';
import { checkId, checkName, checkText, defineOp, notFound, setText, TripOpError } from '../op';
import { activityLists, planSlots } from '../plan-slots';
import type { ActivityDoc, TripDoc } from '../schema';
import { writable } from './access';

function checkDate(value: unknown): IsoDate {
	if (!isIsoDate(value)) throw new TripOpError('invalid', 'date must be YYYY-MM-DD');
	return value;
}

function slotsOf(d: TripDoc, date: IsoDate): Obj[] {
	return planSlots(d).get(date) ?? [];
}

/** A new entry for a day nobody has written on this replica yet. */
function newEntry(d: TripDoc, entryId: string, date: IsoDate, text: string, activities: ActivityDoc[]): void {
	writable(d, 'planEntries')[entryId] = { date, text, activities };
}

const newEntryId = () => randomId();

export interface SetPlanTextArgs {
	date: IsoDate;
	text: string;
	/** The entry to create when the day has none yet; filled in by `prepare`. */
	entryId?: string;
}

/**
 * Sets a day's text. The first slot takes the whole text and the others are emptied (by character
 * edits, so anything a peer types into them meanwhile still survives the merge).
 */
export const setPlanText = defineOp(
	'setPlanText',
	(args: SetPlanTextArgs) => {
		const date = checkDate(args.date);
		const text = checkText(args.text, 'plan text');
		const entryId = checkId(args.entryId ?? newEntryId(), 'entry id');
		return (d) => {
			const [first, ...rest] = slotsOf(d, date);
			if (!first) {
				if (text) newEntry(d, entryId, date, text, []);
				return;
			}
			setText(first, 'text', text);
			for (const slot of rest) if (typeof slot.text !== 'string' || slot.text) setText(slot, 'text', '');
		};
	},
	(args) => (args.entryId ? args : { ...args, entryId: newEntryId() }),
);

export interface AddActivityArgs {
	date: IsoDate;
	id?: ActivityId;
	text: string;
	/** Position in the day's list; absent means at the end. */
	index?: number;
	/** The entry to create when the day has none yet; filled in by `prepare`. */
	entryId?: string;
}

export const addActivity = defineOp(
	'addActivity',
	(args: AddActivityArgs) => {
		const date = checkDate(args.date);
		const id = args.id === undefined ? newActivityId() : checkId<ActivityId>(args.id, 'activity id');
		const text = checkName(args.text, 'activity');
		const entryId = checkId(args.entryId ?? newEntryId(), 'entry id');
		if (args.index !== undefined && (!Number.isInteger(args.index) || args.index < 0)) {
			throw new TripOpError('invalid', 'index must be a whole number ≥ 0');
		}
		return (d) => {
			const slots = slotsOf(d, date);
			if (slots.length === 0) return newEntry(d, entryId, date, '', [{ id, text }]);
			const lists = slots.flatMap((slot) => {
				const found = activityLists(slot);
				if (found.length) return found;
				slot.activities = []; // a schema-1 day written without its list
				return [slot.activities as unknown[]];
			});
			let index = args.index ?? Number.POSITIVE_INFINITY;
			for (const [i, list] of lists.entries()) {
				if (index <= list.length || i === lists.length - 1) {
					list.splice(Math.min(index, list.length), 0, { id, text });
					return;
				}
				index -= list.length;
			}
		};
	},
	(args) => ({ ...args, id: args.id ?? newActivityId(), entryId: args.entryId ?? newEntryId() }),
);

export const removeActivity = defineOp('removeActivity', (args: { date: IsoDate; activityId: ActivityId }) => {
	const date = checkDate(args.date);
	const activityId = checkId<ActivityId>(args.activityId, 'activity');
	return (d) => {
		let found = false;
		for (const list of slotsOf(d, date).flatMap(activityLists)) {
			for (let i = list.length - 1; i >= 0; i--) {
				const a = list[i];
				if (isMap(a) && asString(a.id) === activityId) {
					list.splice(i, 1);
					found = true;
				}
			}
		}
		if (!found) throw notFound('activity', activityId);
	};
});
