import type { SupportedStorage } from '@supabase/supabase-js';
import { expect, test } from 'vitest';
import { Connection } from '../../src/lib/supabase/connection.svelte.ts';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';

// The app's Connection driven against the real local stack through the real supabase-js.
const api = await startTestStack();

/** localStorage as supabase-js sees it, shared by clients the way tabs share it. */
function memoryStorage(): SupportedStorage {
	const items = new Map<string, string>();
	return {
		getItem: (key) => items.get(key) ?? null,
		setItem: (key, value) => void items.set(key, value),
		removeItem: (key) => void items.delete(key),
	};
}

function appClient(storage: SupportedStorage = memoryStorage(), target = api) {
	return clientFor(target, target.config.anonKey, { auth: { persistSession: true, storage } });
}

async function connected(connection: Connection): Promise<{ userId: string; isAnonymous: boolean }> {
	const status = await eventually(
		() => (connection.status.state === 'connected' ? connection.status : null),
		`connected (now ${JSON.stringify(connection.status)})`,
		10_000,
	);
	return status;
}

async function isAnonymousUser(id: string): Promise<boolean> {
	const { rows } = await api.pool.query('select is_anonymous from auth.users where id = $1', [id]);
	return rows[0]?.is_anonymous === true;
}

test('a first start signs in anonymously and is connected only once Realtime has joined', async () => {
	const connection = new Connection(appClient());
	const starting = connection.start();
	expect(connection.status.state).not.toBe('connected');
	await starting;
	const status = await connected(connection);
	expect(status.isAnonymous).toBe(true);
	expect(await isAnonymousUser(status.userId)).toBe(true);
	await connection.stop();
});

test('a stored session is reused instead of signing in again', async () => {
	const storage = memoryStorage();
	const first = new Connection(appClient(storage));
	await first.start();
	const { userId } = await connected(first);
	await first.stop();
	const { rows: before } = await api.pool.query('select count(*)::int as n from auth.users');

	const second = new Connection(appClient(storage));
	await second.start();
	expect((await connected(second)).userId).toBe(userId);
	const { rows: after } = await api.pool.query('select count(*)::int as n from auth.users');
	expect(after[0].n).toBe(before[0].n);
	await second.stop();
});

test('a refused sign-in shows the server’s message', async () => {
	const closed = await startTestStack({ config: { anonymousSignIns: false } });
	const connection = new Connection(appClient(memoryStorage(), closed));
	await connection.start();
	expect(connection.status).toEqual({ state: 'error', message: 'Anonymous sign-ins are disabled' });
	await connection.stop();
});

test('losing the server leaves the connected state, and coming back restores it for the same user', async () => {
	const connection = new Connection(appClient());
	await connection.start();
	const { userId } = await connected(connection);

	await api.stop();
	await eventually(() => connection.status.state !== 'connected', 'the status to leave connected', 10_000);
	await api.start();
	expect((await connected(connection)).userId).toBe(userId);
	await connection.stop();
});

test('signing out starts again as a different anonymous user', async () => {
	const connection = new Connection(appClient());
	await connection.start();
	const { userId: first } = await connected(connection);
	await connection.signOut();
	const { userId: second } = await connected(connection);
	expect(second).not.toBe(first);
	expect(await isAnonymousUser(second)).toBe(true);
	await connection.stop();
});

test('after stop, the server coming and going no longer changes the status', async () => {
	const connection = new Connection(appClient());
	await connection.start();
	await connected(connection);
	await connection.stop();
	const frozen = connection.status;

	await api.stop();
	await api.start();
	await new Promise((r) => setTimeout(r, 1500));
	expect(connection.status).toBe(frozen);
});
