// Retry timing, the cross-tab lock's fallback, sync state aggregation and storage warnings.
import { expect, test } from 'vitest';
import { withLock } from './lock';
import { RetryState } from './retry';
import { overallOf, type TripSyncState } from './state';
import { warningsOf } from './storage-watch';

test('backoff grows with each failure, the breaker opens at the threshold and says until when, success resets', () => {
	let now = 1000;
	const r = new RetryState({
		baseMs: 100,
		capMs: 10_000,
		breakerThreshold: 4,
		breakerCooldownMs: 60_000,
		random: () => 1,
		now: () => now,
	});
	expect([r.failed(), r.failed(), r.failed()]).toEqual([100, 200, 400]);
	expect(r.openUntil).toBeNull();
	expect(r.failed()).toBe(60_000);
	expect(r.openUntil).toBe(61_000);
	now = 62_000;
	expect(r.openUntil).toBeNull();
	r.succeeded();
	expect(r.failures).toBe(0);
	expect(r.failed()).toBe(100);
});

test('without navigator.locks, one lock name runs one holder at a time, in order, even after a failure', async () => {
	const log: string[] = [];
	const hold = (id: string, ms: number, fail = false) =>
		withLock(
			'trip-a',
			async () => {
				log.push(`start ${id}`);
				await new Promise((r) => setTimeout(r, ms));
				log.push(`end ${id}`);
				if (fail) throw new Error('boom');
			},
			null,
		);
	const other = withLock('trip-b', async () => void log.push('other'), null);
	await Promise.allSettled([hold('1', 30, true), hold('2', 5), hold('3', 1), other]);
	expect(log.filter((l) => l !== 'other')).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
	expect(log.indexOf('other')).toBeLessThan(log.indexOf('end 1'));
});

test('with a lock manager, the lock is taken through it', async () => {
	const names: string[] = [];
	const manager = { request: <T>(name: string, cb: () => Promise<T>) => (names.push(name), cb()) };
	expect(await withLock('n', async () => 42, manager)).toBe(42);
	expect(names).toEqual(['n']);
});

const trip = (tripId: string, patch: Partial<TripSyncState>): TripSyncState => ({
	tripId,
	status: { kind: 'synced', at: 5 },
	pending: 0,
	lastSyncedAt: 5,
	lastError: null,
	quarantined: 0,
	role: 'editor',
	storage: [],
	...patch,
});

test('the overall state is the most pressing trip state with summed pending counts', () => {
	const err = { kind: 'network', message: 'down' } as const;
	const s = overallOf(
		{
			a: trip('a', { pending: 2, lastSyncedAt: 9 }),
			b: trip('b', { status: { kind: 'error', problem: err, retryAt: 100 }, pending: 1, lastError: err }),
			c: trip('c', { status: { kind: 'syncing', since: 1 } }),
		},
		true,
	);
	expect(s.status.kind).toBe('error');
	expect(s.pending).toBe(3);
	expect(s.lastSyncedAt).toBe(9);
	expect(s.lastError).toEqual(err);
	expect(overallOf({ a: trip('a', {}) }, true).status).toEqual({ kind: 'synced', at: 5 });
	expect(overallOf({}, false).status).toEqual({ kind: 'offline' });
	expect(overallOf({}, true).status.kind).toBe('idle');
});

test('storage warnings: nearly full at 90 % of the quota, may be evicted without persistent storage', () => {
	expect(warningsOf(true, 10, 100)).toEqual([]);
	expect(warningsOf(true, 95, 100)).toEqual([{ kind: 'nearly-full', usage: 95, quota: 100 }]);
	expect(warningsOf(false, 0, 0)).toEqual([{ kind: 'may-be-evicted' }]);
});
