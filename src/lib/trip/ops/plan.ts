// The day-by-day plan: per date, free text and a list of activities.
import { isIsoDate } from '../dates';
import { isDocId, newActivityId, type ActivityId, type IsoDate } from '../ids';
import { checkName, checkText, defineOp, isMap, notFound, setText, TripOpError } from '../op';
import type { PlanDayDoc, TripDoc } from '../schema';

function checkDate(value: unknown): IsoDate {
	if (!isIsoDate(value)) throw new TripOpError('invalid', 'date must be YYYY-MM-DD');
	return value;
}

/** Days in the trip's range already exist (see setDates); this covers dates outside it. */
function day(d: TripDoc, date: IsoDate): PlanDayDoc {
	if (!isMap(d.plan)) d.plan = {};
	const existing = d.plan[date];
	if (isMap(existing)) {
		if (!Array.isArray(existing.activities)) existing.activities = [];
		return existing;
	}
	d.plan[date] = { text: '', activities: [] };
	return d.plan[date];
}

export const setPlanText = defineOp('setPlanText', (args: { date: IsoDate; text: string }) => {
	const date = checkDate(args.date);
	const text = checkText(args.text, 'plan text');
	return (d) => setText(d, ['plan', date, 'text'], day(d, date), 'text', text);
});

export interface AddActivityArgs {
	date: IsoDate;
	id?: ActivityId;
	text: string;
	/** Position in the day's list; absent means at the end. */
	index?: number;
}

export const addActivity = defineOp(
	'addActivity',
	(args: AddActivityArgs) => {
		const date = checkDate(args.date);
		const id = args.id ?? newActivityId();
		if (!isDocId(id)) throw new TripOpError('invalid', 'activity id is not a valid id');
		const text = checkName(args.text, 'activity');
		return (d) => {
			const list = day(d, date).activities;
			const index = args.index === undefined ? list.length : Math.max(0, Math.min(args.index, list.length));
			list.splice(index, 0, { id, text });
		};
	},
	(args) => (args.id ? args : { ...args, id: newActivityId() }),
);

export const removeActivity = defineOp('removeActivity', (args: { date: IsoDate; activityId: ActivityId }) => {
	const date = checkDate(args.date);
	return (d) => {
		const list = isMap(d.plan) && isMap(d.plan[date]) ? d.plan[date].activities : undefined;
		const index = Array.isArray(list) ? list.findIndex((a) => isMap(a) && a.id === args.activityId) : -1;
		if (!list || index < 0) throw notFound('activity', args.activityId);
		list.splice(index, 1);
	};
});
