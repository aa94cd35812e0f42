import type { SupabaseClient } from '@supabase/supabase-js';
import { describe, expect, test } from 'vitest';
import { Connection, HELLO_TOPIC } from './connection.svelte';

type ChannelState = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';
type User = { id: string; is_anonymous: boolean };

/**
 * Just enough of supabase-js for Connection: an auth store with one session, and channels whose
 * subscription state the test drives by hand.
 */
function fakeClient(options: { session?: User; signInError?: string } = {}) {
	let session: { user: User } | null = options.session ? { user: options.session } : null;
	let nextUser = 1;
	const channels: { topic: string; emit: (state: ChannelState, err?: Error) => void; removed: boolean }[] = [];
	const signIns: string[] = [];
	const client = {
		auth: {
			getSession: async () => ({ data: { session }, error: null }),
			signInAnonymously: async () => {
				if (options.signInError) return { data: { session: null, user: null }, error: new Error(options.signInError) };
				const user = { id: `user-${nextUser++}`, is_anonymous: true };
				signIns.push(user.id);
				session = { user };
				return { data: { session, user }, error: null };
			},
			signOut: async () => {
				session = null;
				return { error: null };
			},
			onAuthStateChange: () => ({ data: { subscription: { unsubscribe() {} } } }),
		},
		channel(topic: string) {
			const entry = { topic, emit: (_state: ChannelState, _err?: Error) => {}, removed: false };
			channels.push(entry);
			return {
				subscribe(callback: (state: ChannelState, err?: Error) => void) {
					entry.emit = callback;
					return this;
				},
				entry,
			};
		},
		async removeChannel(channel: { entry: { removed: boolean } }) {
			channel.entry.removed = true;
			return 'ok';
		},
	};
	return { client: client as unknown as SupabaseClient, channels, signIns };
}

describe('Connection', () => {
	test('signs in anonymously when there is no session, and is connected only once the channel is SUBSCRIBED', async () => {
		const { client, channels, signIns } = fakeClient();
		const connection = new Connection(client);
		await connection.start();

		expect(signIns).toEqual(['user-1']);
		expect(channels.map((c) => c.topic)).toEqual([HELLO_TOPIC]);
		expect(connection.status).toEqual({ state: 'connecting' });

		channels[0]!.emit('SUBSCRIBED');
		expect(connection.status).toEqual({ state: 'connected', userId: 'user-1', isAnonymous: true });
	});

	test('reuses a stored session instead of signing in again', async () => {
		const { client, channels, signIns } = fakeClient({ session: { id: 'kept', is_anonymous: false } });
		const connection = new Connection(client);
		await connection.start();
		channels[0]!.emit('SUBSCRIBED');

		expect(signIns).toEqual([]);
		expect(connection.status).toEqual({ state: 'connected', userId: 'kept', isAnonymous: false });
	});

	test('a failed sign-in shows its message and joins no channel', async () => {
		const { client, channels } = fakeClient({ signInError: 'Anonymous sign-ins are disabled' });
		const connection = new Connection(client);
		await connection.start();

		expect(connection.status).toEqual({ state: 'error', message: 'Anonymous sign-ins are disabled' });
		expect(channels).toEqual([]);
	});

	test('a channel error is shown until the channel is subscribed again', async () => {
		const { client, channels } = fakeClient();
		const connection = new Connection(client);
		await connection.start();
		channels[0]!.emit('SUBSCRIBED');

		channels[0]!.emit('CHANNEL_ERROR', new Error('socket closed'));
		expect(connection.status).toEqual({ state: 'error', message: 'Realtime: socket closed; retrying…' });

		channels[0]!.emit('SUBSCRIBED');
		expect(connection.status.state).toBe('connected');
	});

	test('signing out starts again as a new anonymous user and leaves the old channel', async () => {
		const { client, channels, signIns } = fakeClient();
		const connection = new Connection(client);
		await connection.start();
		channels[0]!.emit('SUBSCRIBED');

		await connection.signOut();
		channels[1]!.emit('SUBSCRIBED');

		expect(signIns).toEqual(['user-1', 'user-2']);
		expect(channels[0]!.removed).toBe(true);
		expect(connection.status).toEqual({ state: 'connected', userId: 'user-2', isAnonymous: true });
	});

	test('after stop, late events of the old channel no longer change the status', async () => {
		const { client, channels } = fakeClient();
		const connection = new Connection(client);
		await connection.start();
		await connection.stop();

		channels[0]!.emit('SUBSCRIBED');
		expect(channels[0]!.removed).toBe(true);
		expect(connection.status).toEqual({ state: 'connecting' });
	});
});
