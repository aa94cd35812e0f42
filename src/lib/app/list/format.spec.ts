import { expect, test } from 'vitest';
import type { TripSyncState } from '$lib/sync';
import { sortTrips, type TripListEntry } from '../trip-list.svelte';
import { peopleWords, tripBadge, tripDates } from './format';

test('dates read as a range in English, the year once when both ends share it', () => {
	expect(tripDates(null, null)).toBe('');
	expect(tripDates('2027-04-10', null)).toBe('10 Apr 2027');
	expect(tripDates('2027-04-10', '2027-04-10')).toBe('10 Apr 2027');
	expect(tripDates('2027-04-10', '2027-04-14')).toBe('10 Apr – 14 Apr 2027');
	expect(tripDates('2027-12-30', '2028-01-02')).toBe('30 Dec 2027 – 2 Jan 2028');
});

test('people read as a short phrase', () => {
	expect(peopleWords([])).toBe('');
	expect(peopleWords(['Ana'])).toBe('Ana');
	expect(peopleWords(['Ana', 'Ben'])).toBe('Ana and Ben');
	expect(peopleWords(['Ana', 'Ben', 'Cy'])).toBe('Ana, Ben and 1 other');
	expect(peopleWords(['Ana', 'Ben', 'Cy', 'Di'])).toBe('Ana, Ben and 2 others');
});

const state = (over: Partial<TripSyncState>): TripSyncState => ({
	tripId: 't',
	status: { kind: 'synced', at: 1 },
	pending: 0,
	lastSyncedAt: 1,
	lastError: null,
	quarantined: 0,
	role: 'owner',
	storage: [],
	...over,
});

test("a trip's badge is its live sync state when it syncs, else what the device knows", () => {
	const local = { local: true, localOnly: false };
	expect(tripBadge(state({}), local, false)).toEqual({ text: 'Synced', tone: 'ok' });
	expect(tripBadge(state({ pending: 2 }), local, false)).toEqual({ text: 'Syncing · 2 pending', tone: 'busy' });
	expect(tripBadge(state({ pending: 2 }), local, true)).toEqual({ text: 'Offline · 2 pending', tone: 'busy' });
	expect(
		tripBadge(
			state({ status: { kind: 'error', retryAt: null, problem: { kind: 'network', message: 'x' } } }),
			local,
			false,
		).tone,
	).toBe('bad');
	expect(tripBadge(undefined, { local: false, localOnly: false }, false).text).toBe('Not on this device yet');
	expect(tripBadge(undefined, { local: true, localOnly: true }, false).text).toBe('Not synced yet');
});

test('the list puts dated trips first, soonest first, then undated ones by name', () => {
	const e = (tripId: string, name: string, startDate: string | null) => ({ tripId, name, startDate }) as TripListEntry;
	const sorted = sortTrips([
		e('1', 'Zed', null),
		e('2', 'Alps', '2027-08-01'),
		e('3', 'Beach', '2027-06-01'),
		e('4', 'Art', null),
	]);
	expect(sorted.map((t) => t.name)).toEqual(['Beach', 'Alps', 'Art', 'Zed']);
});
