import { describe, expect, test } from 'vitest';
import { syncLabel } from './sync-label';

describe('syncLabel', () => {
	test('says Synced only when the last cycle succeeded and nothing is pending', () => {
		expect(syncLabel({ kind: 'synced', at: 1 }, 0)).toEqual({ word: 'Synced', pending: null, detail: null });
		expect(syncLabel({ kind: 'synced', at: 1 }, 2)).toEqual({ word: 'Syncing', pending: '2 pending', detail: null });
	});

	test('a trip before its first cycle is Syncing; with nothing open it is Synced', () => {
		expect(syncLabel({ kind: 'idle' }, 0).word).toBe('Syncing');
		expect(syncLabel({ kind: 'idle' }, 0, true).word).toBe('Synced');
	});

	test('offline and errors keep the pending count, and an error says what went wrong', () => {
		expect(syncLabel({ kind: 'offline' }, 3)).toEqual({ word: 'Offline', pending: '3 pending', detail: null });
		const problem = { kind: 'network' as const, message: 'Failed to fetch' };
		expect(syncLabel({ kind: 'error', problem, retryAt: null }, 1)).toEqual({
			word: 'Error',
			pending: '1 pending',
			detail: 'Failed to fetch',
		});
	});
});
