import { NavigatorLockAcquireTimeoutError, navigatorLock } from '@supabase/supabase-js';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { inStore, LOCK_STORE } from './idb';
import { chooseAuthLock, idbLeaseLock } from './lock';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idbLeaseLock (the fallback where navigator.locks is missing)', () => {
	test('two tabs on one IndexedDB never hold the lock at the same time', async () => {
		const device = new IDBFactory();
		const [tabA, tabB] = [idbLeaseLock(device), idbLeaseLock(device)];
		const events: string[] = [];
		const hold = (lock: typeof tabA, who: string) =>
			lock('lock:auth', -1, async () => {
				events.push(`${who} in`);
				await sleep(60);
				events.push(`${who} out`);
			});
		await Promise.all([hold(tabA, 'a'), hold(tabB, 'b'), hold(tabA, 'c'), hold(tabB, 'd')]);
		expect(events).toHaveLength(8);
		for (let i = 0; i < 8; i += 2) {
			expect(events[i]!.endsWith(' in')).toBe(true);
			expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
		}
	});

	test('locks of different names do not wait for each other', async () => {
		const device = new IDBFactory();
		const lock = idbLeaseLock(device);
		let inner = false;
		await lock('one', -1, () => lock('two', 0, async () => void (inner = true)));
		expect(inner).toBe(true);
	});

	test('acquireTimeout 0 fails at once while held, with the error supabase-js expects', async () => {
		const device = new IDBFactory();
		const [tabA, tabB] = [idbLeaseLock(device), idbLeaseLock(device)];
		let release!: () => void;
		const held = tabA('lock:auth', -1, () => new Promise<void>((r) => (release = r)));
		await sleep(20);
		const started = Date.now();
		const refused = await tabB('lock:auth', 0, async () => 'ran').catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(NavigatorLockAcquireTimeoutError);
		expect((refused as { isAcquireTimeout?: boolean }).isAcquireTimeout).toBe(true);
		expect(Date.now() - started).toBeLessThan(1000);
		release();
		await held;
		expect(await tabB('lock:auth', 0, async () => 'ran')).toBe('ran');
	});

	test('a positive acquireTimeout waits that long, then fails', async () => {
		const device = new IDBFactory();
		const [tabA, tabB] = [idbLeaseLock(device), idbLeaseLock(device)];
		let release!: () => void;
		const held = tabA('x', -1, () => new Promise<void>((r) => (release = r)));
		await sleep(20);
		const started = Date.now();
		await expect(tabB('x', 150, async () => 'ran')).rejects.toMatchObject({ isAcquireTimeout: true });
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		release();
		await held;
	});

	test('an undefined acquireTimeout (what supabase-js passes by default) waits for the lock', async () => {
		const device = new IDBFactory();
		const [tabA, tabB] = [idbLeaseLock(device), idbLeaseLock(device)];
		const events: string[] = [];
		const held = tabA('u', -1, async () => {
			await sleep(80);
			events.push('a done');
		});
		await sleep(10);
		await tabB('u', undefined as unknown as number, async () => void events.push('b ran'));
		await held;
		expect(events).toEqual(['a done', 'b ran']);
	});

	test('a lease left by a tab that died frees itself when it expires', async () => {
		const device = new IDBFactory();
		await inStore(device, LOCK_STORE, 'readwrite', (s) =>
			s.put({ holder: 'closed-tab', expiresAt: Date.now() + 300 }, 'lock:auth'),
		);
		const started = Date.now();
		expect(await idbLeaseLock(device)('lock:auth', -1, async () => 'ran')).toBe('ran');
		expect(Date.now() - started).toBeGreaterThanOrEqual(250);
	});

	test('the holder renews its lease, so a long refresh keeps the lock past one lease', async () => {
		const device = new IDBFactory();
		const options = { leaseMs: 120, pollMs: 10 };
		const [tabA, tabB] = [idbLeaseLock(device, options), idbLeaseLock(device, options)];
		const events: string[] = [];
		const long = tabA('l', -1, async () => {
			events.push('a in');
			await sleep(500);
			events.push('a out');
		});
		await sleep(30);
		await tabB('l', -1, async () => void events.push('b in'));
		await long;
		expect(events).toEqual(['a in', 'a out', 'b in']);
	});

	test('a failing operation releases the lock and passes its error on', async () => {
		const device = new IDBFactory();
		const lock = idbLeaseLock(device);
		await expect(
			lock('f', -1, async () => {
				throw new Error('refresh failed');
			}),
		).rejects.toThrow('refresh failed');
		expect(await lock('f', 0, async () => 'free')).toBe('free');
	});
});

describe('chooseAuthLock', () => {
	test('uses Web Locks where the browser has them, the IndexedDB lease otherwise', () => {
		expect(chooseAuthLock(new IDBFactory(), { navigator: { locks: {} } })).toEqual({
			kind: 'web-locks',
			lock: navigatorLock,
		});
		expect(chooseAuthLock(new IDBFactory(), { navigator: {} }).kind).toBe('idb-lease');
		expect(chooseAuthLock(new IDBFactory(), {}).kind).toBe('idb-lease');
	});
});
