import * as A from '@automerge/automerge';
import { expect, test } from 'vitest';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import {
	addMember,
	b64,
	bigChange,
	createTrip,
	expectError,
	hashOf,
	joinTripChannel,
	makeChanges,
	push,
	sleep,
} from './helpers.ts';

const api = await startTestStack();

/** Realtime adds the message's own id to a realtime.send payload; the rest is the hint. */
function withoutId(payload: Record<string, unknown>): Record<string, unknown> {
	const { id: _id, ...hint } = payload;
	return hint;
}

/** A viewer listening on a new trip's private channel, collecting `event` payloads. */
async function tripWithListener(event = 'changes') {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	const viewer = await createUser(api);
	await addMember(api, tripId, viewer, 'viewer');
	const received: Record<string, unknown>[] = [];
	const { channel, status } = await joinTripChannel(viewer.client, tripId, (ch) =>
		ch.on('broadcast', { event }, (message) => {
			received.push(message.payload as Record<string, unknown>);
		}),
	);
	expect(status).toBe('SUBSCRIBED');
	return { owner, tripId, viewer, channel, received };
}

test('a subscribed member receives each push once: from_seq, to_seq, and per seq its hash and author', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const editor = await createUser(api);
	await addMember(api, tripId, editor, 'editor');
	const [mine, theirs] = [makeChanges(2, 'o'), makeChanges(3, 'e')];
	await push(owner, tripId, mine);
	await push(editor, tripId, theirs);
	await eventually(() => received.length >= 2, 'two changes messages');
	await sleep(200); // nothing else may arrive
	expect(received.map(withoutId)).toEqual([
		{
			trip_id: tripId,
			from_seq: 1,
			to_seq: 2,
			hashes: mine.map(hashOf),
			author_ids: [owner.id, owner.id],
		},
		{
			trip_id: tripId,
			from_seq: 3,
			to_seq: 5,
			hashes: theirs.map(hashOf),
			author_ids: [editor.id, editor.id, editor.id],
		},
	]);
	await channel.unsubscribe();
}, 15_000);

test('a large push is announced the same way, never with its data', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const large = bigChange(50 * 1024);
	await push(owner, tripId, [large]);
	await eventually(() => received.length >= 1, 'a changes message');
	expect(withoutId(received[0]!)).toEqual({
		trip_id: tripId,
		from_seq: 1,
		to_seq: 1,
		hashes: [hashOf(large)],
		author_ids: [owner.id],
	});
	await channel.unsubscribe();
}, 15_000);

test('a member removed while subscribed still gets hints (local and hosted Realtime check at join) but no change data, and cannot pull', async () => {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	const viewer = await createUser(api);
	await addMember(api, tripId, viewer, 'viewer');
	const received: Record<string, unknown>[] = [];
	const membership: Record<string, unknown>[] = [];
	const { channel, status } = await joinTripChannel(viewer.client, tripId, (ch) =>
		ch
			.on('broadcast', { event: 'changes' }, (m) => received.push(m.payload as Record<string, unknown>))
			.on('broadcast', { event: 'membership' }, (m) => membership.push(m.payload as Record<string, unknown>)),
	);
	expect(status).toBe('SUBSCRIBED');
	expect((await owner.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: viewer.id })).error).toBeNull();
	const secret = A.change(A.init<{ note?: string }>(), (d) => {
		d.note = 'the new door code is 4711';
	});
	const change = A.getLastLocalChange(secret)!;
	await push(owner, tripId, [change]);
	await eventually(() => received.length >= 1, 'the hint');
	expect(JSON.stringify(received)).not.toContain(b64(change));
	expect(JSON.stringify(received)).not.toContain('4711');
	expect(Object.keys(withoutId(received[0]!)).sort()).toEqual([
		'author_ids',
		'from_seq',
		'hashes',
		'to_seq',
		'trip_id',
	]);
	expect(membership).toMatchObject([{ action: 'removed', user_id: viewer.id }]);
	expectError(await viewer.client.rpc('pull_changes', { p_trip_id: tripId }), 403, '42501', 'not a member');
	await channel.unsubscribe();
}, 15_000);

test('a retried push that stores nothing sends no message', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const changes = makeChanges(2);
	await push(owner, tripId, changes);
	await eventually(() => received.length >= 1, 'the first message');
	await push(owner, tripId, changes);
	await sleep(300);
	expect(received).toHaveLength(1);
	await channel.unsubscribe();
}, 15_000);

test('a non-member cannot listen in: the join is refused and nothing arrives', async () => {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	const stranger = await createUser(api);
	const received: unknown[] = [];
	const { channel, status } = await joinTripChannel(stranger.client, tripId, (ch) =>
		ch.on('broadcast', { event: 'changes' }, (m) => received.push(m)),
	);
	expect(status).toBe('CHANNEL_ERROR');
	await push(owner, tripId, makeChanges(1));
	await sleep(300);
	expect(received).toEqual([]);
	await channel.unsubscribe();
}, 15_000);

test("editors can broadcast to the channel; a viewer's broadcasts are not delivered", async () => {
	const { owner, tripId, channel: viewerChannel, viewer } = await tripWithListener();
	const editor = await createUser(api);
	await addMember(api, tripId, editor, 'editor');
	const atOwner: unknown[] = [];
	const ownerJoin = await joinTripChannel(owner.client, tripId, (ch) =>
		ch.on('broadcast', { event: 'cursor' }, (m) => atOwner.push(m.payload)),
	);
	expect(ownerJoin.status).toBe('SUBSCRIBED');
	const editorJoin = await joinTripChannel(editor.client, tripId);
	expect(editorJoin.status).toBe('SUBSCRIBED');

	await viewerChannel.send({
		type: 'broadcast',
		event: 'cursor',
		payload: { from: viewer.id },
	});
	await editorJoin.channel.send({
		type: 'broadcast',
		event: 'cursor',
		payload: { from: editor.id },
	});
	await eventually(() => atOwner.length >= 1, "the editor's broadcast");
	await sleep(300);
	expect(atOwner).toEqual([{ from: editor.id }]);
	await Promise.all([viewerChannel, ownerJoin.channel, editorJoin.channel].map((c) => c.unsubscribe()));
}, 15_000);

test('remove_member and delete_trip announce a membership event on the channel', async () => {
	const { owner, tripId, channel, received } = await tripWithListener('membership');
	const editor = await createUser(api);
	await addMember(api, tripId, editor, 'editor');
	expect(
		(
			await owner.client.rpc('remove_member', {
				p_trip_id: tripId,
				p_user_id: editor.id,
			})
		).error,
	).toBeNull();
	await eventually(() => received.length >= 1, 'the removal');
	expect(received[0]).toMatchObject({
		trip_id: tripId,
		action: 'removed',
		user_id: editor.id,
		role: 'editor',
	});
	expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
	await eventually(() => received.length >= 2, 'the deletion');
	expect(received[1]).toMatchObject({ trip_id: tripId, action: 'deleted' });
	await channel.unsubscribe();
}, 15_000);
