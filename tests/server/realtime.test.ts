import { expect, test } from 'vitest';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { addMember, b64, bigChange, createTrip, hashOf, joinTripChannel, makeChanges, push, sleep } from './helpers.ts';

const api = await startTestStack();

interface ChangesMessage {
	trip_id: string;
	from_seq: number;
	to_seq: number;
	author_id: string;
	changes?: { seq: number; hash: string; data: string }[];
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

test('a subscribed member receives each push once, with from_seq, to_seq, the author and the data inline', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const changes = makeChanges(5);
	await push(owner, tripId, changes.slice(0, 2));
	await push(owner, tripId, changes.slice(2));
	await eventually(() => received.length >= 2, 'two changes messages');
	await sleep(200); // nothing else may arrive
	expect(received).toHaveLength(2);
	const [first, second] = received as unknown as ChangesMessage[];
	expect(first).toMatchObject({
		trip_id: tripId,
		from_seq: 1,
		to_seq: 2,
		author_id: owner.id,
	});
	expect(first!.changes).toEqual(changes.slice(0, 2).map((c, i) => ({ seq: i + 1, hash: hashOf(c), data: b64(c) })));
	expect(second).toMatchObject({ from_seq: 3, to_seq: 5 });
	expect(second!.changes!.map((c) => c.seq)).toEqual([3, 4, 5]);
	await channel.unsubscribe();
}, 15_000);

test('a push over 64 KiB of base64 is announced without data, so members pull', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const large = bigChange(50 * 1024); // ~66.8 KiB as base64
	expect(b64(large).length).toBeGreaterThan(64 * 1024);
	await push(owner, tripId, [large]);
	await eventually(() => received.length >= 1, 'a changes message');
	const message = received[0] as unknown as ChangesMessage;
	expect(message).toMatchObject({
		trip_id: tripId,
		from_seq: 1,
		to_seq: 1,
		author_id: owner.id,
	});
	expect(message).not.toHaveProperty('changes');
	await channel.unsubscribe();
}, 15_000);

test('a push just under 64 KiB of base64 still carries its data', async () => {
	const { owner, tripId, channel, received } = await tripWithListener();
	const change = bigChange(47 * 1024);
	expect(b64(change).length).toBeLessThanOrEqual(64 * 1024);
	await push(owner, tripId, [change]);
	await eventually(() => received.length >= 1, 'a changes message');
	expect((received[0] as unknown as ChangesMessage).changes?.[0]?.data).toBe(b64(change));
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
