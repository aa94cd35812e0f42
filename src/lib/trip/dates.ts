// Calendar-date helpers. Trips are planned in local days, so dates are `YYYY-MM-DD` strings and all
// arithmetic happens in UTC to stay clear of daylight-saving jumps.
import type { IsoDate } from './ids';

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The longest trip we plan day by day; it bounds the plan entries created by `setDates`. */
export const MAX_TRIP_DAYS = 366;

export function isIsoDate(value: unknown): value is IsoDate {
	if (typeof value !== 'string') return false;
	const m = ISO_DATE.exec(value);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const t = Date.UTC(y, mo - 1, d);
	const back = new Date(t);
	// Rejects 2024-02-30 and friends, which Date.UTC would silently roll over.
	return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
}

function toUtc(date: IsoDate): number {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	return Date.UTC(y, m - 1, d);
}

function fromUtc(t: number): IsoDate {
	return new Date(t).toISOString().slice(0, 10) as IsoDate;
}

export function addDays(date: IsoDate, days: number): IsoDate {
	return fromUtc(toUtc(date) + days * DAY_MS);
}

/** Number of days a trip covers, counting both ends (a Friday–Sunday weekend is 3 days). */
export function tripDays(start: IsoDate, end: IsoDate): number {
	return Math.round((toUtc(end) - toUtc(start)) / DAY_MS) + 1;
}

/** Every date from start to end inclusive; empty when end precedes start. */
export function eachDay(start: IsoDate, end: IsoDate): IsoDate[] {
	const n = tripDays(start, end);
	const out: IsoDate[] = [];
	for (let i = 0; i < n && i < MAX_TRIP_DAYS; i++) out.push(addDays(start, i));
	return out;
}
