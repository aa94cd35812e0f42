import { randomUUID } from 'node:crypto';
import type { RealtimeChannel, RealtimePresenceJoinPayload, RealtimePresenceLeavePayload } from '@supabase/supabase-js';
import { describe, expect, test } from 'vitest';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';
import { subscribed } from './realtime-helpers.ts';

const api = await startTestStack();

type Meta = { name: string };

function presenceChannel(name: string, key: string) {
	const client = clientFor(api);
	const channel = client.channel(name, { config: { presence: { key } } });
	const joins: RealtimePresenceJoinPayload<Meta>[] = [];
	const leaves: RealtimePresenceLeavePayload<Meta>[] = [];
	let syncs = 0;
	channel
		.on('presence', { event: 'join' }, (p) => joins.push(p as RealtimePresenceJoinPayload<Meta>))
		.on('presence', { event: 'leave' }, (p) => leaves.push(p as RealtimePresenceLeavePayload<Meta>))
		.on('presence', { event: 'sync' }, () => syncs++);
	return { client, channel, joins, leaves, syncs: () => syncs };
}

const keysOf = (channel: RealtimeChannel) => Object.keys(channel.presenceState()).sort();

describe('presence', () => {
	test('track shows up in everyone’s presenceState with join callbacks', async () => {
		const name = `lobby-${randomUUID()}`;
		const alice = presenceChannel(name, 'alice');
		const bob = presenceChannel(name, 'bob');
		await subscribed(alice.channel);
		expect(await alice.channel.track({ name: 'Alice' })).toBe('ok');
		await subscribed(bob.channel);
		// Bob's initial presence_state already holds Alice.
		await eventually(() => keysOf(bob.channel).includes('alice'), 'alice in bob’s state');
		expect(await bob.channel.track({ name: 'Bob' })).toBe('ok');

		await eventually(
			() => keysOf(alice.channel).length === 2 && keysOf(bob.channel).length === 2,
			'both present everywhere',
		);
		const state = alice.channel.presenceState<Meta>();
		expect(state.bob).toEqual([{ name: 'Bob', presence_ref: expect.any(String) }]);
		expect(state.alice?.[0]?.name).toBe('Alice');
		expect(alice.joins.map((j) => j.key)).toEqual(['alice', 'bob']);
		expect(alice.joins[1]?.newPresences[0]).toMatchObject({ name: 'Bob' });
		expect(bob.syncs()).toBeGreaterThan(0);
	});

	test('re-tracking updates the meta; untrack and leave produce leaves', async () => {
		const name = `lobby-${randomUUID()}`;
		const alice = presenceChannel(name, 'alice');
		const bob = presenceChannel(name, 'bob');
		await Promise.all([subscribed(alice.channel), subscribed(bob.channel)]);
		await alice.channel.track({ name: 'Alice' });
		await eventually(() => bob.channel.presenceState<Meta>().alice?.[0]?.name === 'Alice', 'first meta');
		await alice.channel.track({ name: 'Alice 2' });
		await eventually(() => bob.channel.presenceState<Meta>().alice?.[0]?.name === 'Alice 2', 'updated meta');
		expect(bob.channel.presenceState<Meta>().alice).toHaveLength(1);

		expect(await alice.channel.untrack()).toBe('ok');
		await eventually(() => !keysOf(bob.channel).includes('alice'), 'alice gone after untrack');
		expect(bob.leaves.at(-1)).toMatchObject({ key: 'alice', leftPresences: [{ name: 'Alice 2' }] });

		await alice.channel.track({ name: 'Alice 3' });
		await eventually(() => keysOf(bob.channel).includes('alice'), 'alice back');
		await alice.client.removeChannel(alice.channel);
		await eventually(() => !keysOf(bob.channel).includes('alice'), 'alice gone after leaving the channel');
	});

	test('a client that disconnects leaves', async () => {
		const name = `lobby-${randomUUID()}`;
		const alice = presenceChannel(name, 'alice');
		const bob = presenceChannel(name, 'bob');
		await Promise.all([subscribed(alice.channel), subscribed(bob.channel)]);
		await alice.channel.track({ name: 'Alice' });
		await eventually(() => keysOf(bob.channel).includes('alice'), 'alice present');
		alice.client.realtime.disconnect();
		await eventually(() => bob.leaves.some((l) => l.key === 'alice'), 'leave after disconnect');
		expect(keysOf(bob.channel)).toEqual([]);
	});

	test('two channels with the same key show as two metas of one key', async () => {
		const name = `lobby-${randomUUID()}`;
		const tab1 = presenceChannel(name, 'carol');
		const tab2 = presenceChannel(name, 'carol');
		await Promise.all([subscribed(tab1.channel), subscribed(tab2.channel)]);
		await tab1.channel.track({ name: 'tab1' });
		await tab2.channel.track({ name: 'tab2' });
		await eventually(() => tab1.channel.presenceState<Meta>().carol?.length === 2, 'two metas');
		expect(
			tab1.channel
				.presenceState<Meta>()
				.carol?.map((m) => m.name)
				.sort(),
		).toEqual(['tab1', 'tab2']);
	});
});
