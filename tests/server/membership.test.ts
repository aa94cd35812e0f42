import { expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { addMember, createTrip, expectError, joinTripChannel, makeChanges, push } from './helpers.ts';

const api = await startTestStack();

async function tripWithMember(role: 'editor' | 'viewer' = 'editor') {
	const owner = await createUser(api);
	const member = await createUser(api);
	const tripId = await createTrip(owner);
	await addMember(api, tripId, member, role);
	await push(owner, tripId, makeChanges(2));
	return { owner, member, tripId };
}

async function tripIdsOf(client: Awaited<ReturnType<typeof createUser>>['client']): Promise<string[]> {
	const { data, error } = await client.rpc('sync_status');
	expect(error).toBeNull();
	return (data as { trip_id: string }[]).map((r) => r.trip_id);
}

test('a removed member loses read access at once: pull, snapshot, table reads, sync_status and the channel', async () => {
	const { owner, member, tripId } = await tripWithMember();
	expect((await member.client.rpc('pull_changes', { p_trip_id: tripId })).error).toBeNull();
	expect(
		(
			await owner.client.rpc('remove_member', {
				p_trip_id: tripId,
				p_user_id: member.id,
			})
		).error,
	).toBeNull();
	expectError(await member.client.rpc('pull_changes', { p_trip_id: tripId }), 403, '42501', 'not a member');
	expectError(await member.client.rpc('get_snapshot', { p_trip_id: tripId }), 403, '42501', 'not a member');
	expectError(
		await member.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [],
		}),
		403,
		'42501',
		'not a member',
	);
	expect((await member.client.from('trips').select('id').eq('id', tripId)).data).toEqual([]);
	expect(await tripIdsOf(member.client)).not.toContain(tripId);
	const { channel, status } = await joinTripChannel(member.client, tripId);
	expect(status).toBe('CHANNEL_ERROR');
	await channel.unsubscribe();
}, 15_000);

test('a member who leaves loses read access at once and the others keep theirs', async () => {
	const { owner, member, tripId } = await tripWithMember('viewer');
	expect((await member.client.rpc('leave_trip', { p_trip_id: tripId })).error).toBeNull();
	expectError(await member.client.rpc('pull_changes', { p_trip_id: tripId }), 403, '42501', 'not a member');
	expect(await tripIdsOf(member.client)).not.toContain(tripId);
	expect(await tripIdsOf(owner.client)).toContain(tripId);
	const { data } = await owner.client.rpc('sync_status');
	expect((data as { trip_id: string; member_count: number }[]).find((r) => r.trip_id === tripId)?.member_count).toBe(1);
});

test('the owner cannot leave their trip (400 P0001) and stays its owner', async () => {
	const { owner, tripId } = await tripWithMember();
	expectError(await owner.client.rpc('leave_trip', { p_trip_id: tripId }), 400, 'P0001', 'the owner cannot leave');
	const { rows } = await api.pool.query('select role from public.trip_members where trip_id = $1 and user_id = $2', [
		tripId,
		owner.id,
	]);
	expect(rows[0].role).toBe('owner');
});

test('the owner cannot remove themselves (400 P0001)', async () => {
	const { owner, tripId } = await tripWithMember();
	expectError(
		await owner.client.rpc('remove_member', {
			p_trip_id: tripId,
			p_user_id: owner.id,
		}),
		400,
		'P0001',
		'the owner cannot be removed',
	);
});

test("a deleted trip vanishes from every member's sync_status and all access ends, but its log is kept", async () => {
	const { owner, member, tripId } = await tripWithMember();
	const other = await createTrip(owner, 'Another trip');
	expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
	expect(await tripIdsOf(owner.client)).toEqual([other]);
	expect(await tripIdsOf(member.client)).toEqual([]);
	expectError(await owner.client.rpc('pull_changes', { p_trip_id: tripId }), 403, '42501', 'not a member');
	expectError(
		await member.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [],
		}),
		403,
		'42501',
		'not a member',
	);
	expect((await owner.client.from('trips').select('id').eq('id', tripId)).data).toEqual([]);
	const { rows } = await api.pool.query('select count(*)::int as n from public.trip_changes where trip_id = $1', [
		tripId,
	]);
	expect(rows[0].n).toBe(2); // soft delete
});

test('deleting an already deleted trip again is a no-op for its owner', async () => {
	const { owner, tripId } = await tripWithMember();
	expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
	expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
});

test('create_trip repeated by its owner is a no-op; the trip keeps its log and name', async () => {
	const { owner, tripId } = await tripWithMember();
	expect(
		(
			await owner.client.rpc('create_trip', {
				p_trip_id: tripId,
				p_name: 'Other name',
			})
		).error,
	).toBeNull();
	const { rows } = await api.pool.query('select name, last_seq::int from public.trips where id = $1', [tripId]);
	expect(rows[0]).toEqual({ name: 'Lisbon in May', last_seq: 2 });
});

test("sync_status lists each trip once with the caller's role, last_seq, snapshot_seq and member count", async () => {
	const { owner, member, tripId } = await tripWithMember('viewer');
	const { data, error } = await member.client.rpc('sync_status');
	expect(error).toBeNull();
	expect(data).toEqual([
		{
			trip_id: tripId,
			name: 'Lisbon in May',
			role: 'viewer',
			last_seq: 2,
			snapshot_seq: null,
			member_count: 2,
		},
	]);
	expect((await owner.client.rpc('sync_status')).data).toEqual([
		{
			trip_id: tripId,
			name: 'Lisbon in May',
			role: 'owner',
			last_seq: 2,
			snapshot_seq: null,
			member_count: 2,
		},
	]);
});

test("members can read their co-members' profiles but not strangers'", async () => {
	const { owner, member } = await tripWithMember();
	const stranger = await createUser(api);
	for (const [user, name] of [
		[owner, 'Olivia'],
		[member, 'Max'],
		[stranger, 'Sue'],
	] as const)
		expect(
			(
				await user.client.rpc('set_profile', {
					p_display_name: name,
					p_color: '#abcdef',
				})
			).error,
		).toBeNull();
	const { data } = await member.client.from('profiles').select('display_name').order('display_name');
	expect(data).toEqual([{ display_name: 'Max' }, { display_name: 'Olivia' }]);
});
