import { expect, test } from 'vitest';
import { headerSyncState } from '../shell/header-state';
import { overallOf } from '$lib/sync';
import { formatBytes, relativeTime } from './relative-time';

test('"last synced …" is coarse, in words', () => {
	const now = Date.UTC(2027, 3, 10, 12);
	expect(relativeTime(now - 10_000, now)).toBe('just now');
	expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
	expect(relativeTime(now - 3 * 3_600_000, now)).toBe('3 h ago');
	expect(relativeTime(now - 30 * 3_600_000, now)).toBe('yesterday');
	expect(relativeTime(Date.UTC(2027, 3, 1, 12), now)).toBe('on 1 Apr');
	expect([formatBytes(812), formatBytes(4200), formatBytes(1_300_000)]).toEqual(['812 B', '4.2 KB', '1.3 MB']);
});

test("the header shows the open trip's state on its page, the engine's elsewhere", () => {
	const trip = {
		tripId: 'a',
		status: { kind: 'syncing', since: 1 } as const,
		pending: 3,
		lastSyncedAt: 5,
		lastError: null,
		quarantined: 0,
		role: 'owner' as const,
		storage: [],
	};
	const other = { ...trip, tripId: 'b', pending: 4 };
	const all = overallOf({ a: trip, b: other }, true);
	expect(headerSyncState(all, 'a')).toMatchObject({ pending: 3, nothingOpen: false });
	expect(headerSyncState(all, undefined)).toMatchObject({ pending: 7, nothingOpen: false });
	expect(headerSyncState(overallOf({}, true), undefined)).toMatchObject({ pending: 0, nothingOpen: true });
	const synced = { ...trip, status: { kind: 'synced', at: 5 } as const };
	expect(headerSyncState(overallOf({ a: synced }, false), 'a').status.kind).toBe('offline');
});
