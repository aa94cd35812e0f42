// The plan part of the validating view: one day per date in the trip's range (whether or not
// anyone wrote on it), plus every other date that has content, each merged from its slots.
import { asString, isMap, type Obj } from './conflicted';
import { eachDay } from './dates';
import { isDocId, type ActivityId, type IsoDate } from './ids';
import { MAX_NAME_LENGTH, MAX_NOTES_LENGTH } from './op';
import { activityLists, planSlots, slotText } from './plan-slots';
import type { ActivityView, PlanDayView } from './schema';

/** Cuts to `max` UTF-16 units without splitting a surrogate pair (the emoji at the cut goes whole). */
export function cut(value: string, max: number): string {
	if (value.length <= max) return value;
	const code = value.charCodeAt(max - 1);
	return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function readDay(date: IsoDate, slots: Obj[], inRange: boolean): PlanDayView {
	const seen = new Set<string>();
	const activities: ActivityView[] = [];
	for (const a of slots.flatMap(activityLists).flat()) {
		if (!isMap(a)) continue;
		const id = asString(a.id);
		if (!isDocId(id) || seen.has(id)) continue;
		seen.add(id);
		activities.push({ id: id as ActivityId, text: cut(asString(a.text) ?? '', MAX_NAME_LENGTH) });
	}
	const text = slots
		.map(slotText)
		.filter((t) => t !== '')
		.join('\n');
	return { date, text: cut(text, MAX_NOTES_LENGTH), activities, inRange };
}

/** `start`/`end` are the view's: a valid range of at most 366 days, or no range. */
export function readPlan(root: Obj, start: IsoDate | null, end: IsoDate | null): PlanDayView[] {
	const slots = planSlots(root);
	const range = start && end ? eachDay(start, end) : [];
	const inRange = new Set<string>(range);
	const dates = [...new Set<IsoDate>([...range, ...slots.keys()])].sort();
	const out: PlanDayView[] = [];
	for (const date of dates) {
		const day = readDay(date, slots.get(date) ?? [], inRange.has(date));
		// Out-of-range dates show only when something is on them (empty slots are no content).
		if (day.inRange || day.text || day.activities.length) out.push(day);
	}
	return out;
}
