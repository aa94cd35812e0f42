/**
 * Members, invites and roles (supabase/migrations/20261202000300_trip_members_roles.sql): what an
 * owner can do to the people on a trip, and what everyone else then sees.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';
import { addMember, createTrip, expectError, joinTripChannel, makeChanges, push } from './helpers.ts';

const api = await startTestStack();

let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let tripId: string;

beforeEach(async () => {
	[owner, editor, viewer] = await Promise.all([createUser(api), createUser(api), createUser(api)]);
	tripId = await createTrip(owner);
	await addMember(api, tripId, editor, 'editor');
	await addMember(api, tripId, viewer, 'viewer');
});

async function invite(role: 'editor' | 'viewer', maxUses: number | null = null): Promise<string> {
	const { data, error } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_role: role,
		p_max_uses: maxUses,
	});
	expect(error).toBeNull();
	return data as string;
}

interface InviteRow {
	id: string;
	role: string;
	created_at: string;
	expires_at: string;
	uses: number;
	max_uses: number | null;
}

async function invites(): Promise<InviteRow[]> {
	const { data, error } = await owner.client.rpc('list_invites', { p_trip_id: tripId });
	expect(error).toBeNull();
	return data as InviteRow[];
}

const roleOf = async (user: TestUser) =>
	(
		await api.pool.query('select role from public.trip_members where trip_id = $1 and user_id = $2', [
			tripId,
			user.id,
		])
	).rows[0]?.role as string | undefined;

describe('list_invites and revoke_invite', () => {
	test('the owner sees each invite (role, dates, uses, max uses), oldest first, and never a token', async () => {
		const tokens = [await invite('editor', 3), await invite('viewer')];
		const joiner = await createUser(api);
		expect((await joiner.client.rpc('accept_invite', { p_token: tokens[0] })).error).toBeNull();
		const rows = await invites();
		expect(rows).toMatchObject([
			{ role: 'editor', uses: 1, max_uses: 3 },
			{ role: 'viewer', uses: 0, max_uses: null },
		]);
		for (const row of rows) {
			expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
			expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(168 * 3600 * 1000);
		}
		for (const token of tokens) expect(JSON.stringify(rows)).not.toContain(token);
	});

	test('a revoked invite no longer works; revoking it again is a no-op; only the owner may revoke', async () => {
		const token = await invite('editor');
		const [{ id }] = await invites();
		expectError(await editor.client.rpc('revoke_invite', { p_invite_id: id }), 403, '42501', 'owner only');
		expect(await invites()).toHaveLength(1);

		expect((await owner.client.rpc('revoke_invite', { p_invite_id: id })).error).toBeNull();
		expect(await invites()).toEqual([]);
		const joiner = await createUser(api);
		expectError(await joiner.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite not found');
		expect((await owner.client.rpc('revoke_invite', { p_invite_id: id })).error).toBeNull();
	});
});

describe('set_member_role', () => {
	test('promoting a viewer lets them push at once; demoting an editor makes them read-only at once', async () => {
		const set = (user: TestUser, role: string) =>
			owner.client.rpc('set_member_role', { p_trip_id: tripId, p_user_id: user.id, p_role: role });
		expect((await set(viewer, 'editor')).error).toBeNull();
		expect((await set(editor, 'viewer')).error).toBeNull();
		await push(viewer, tripId, makeChanges(1, 'promoted'));
		expectError(
			await editor.client.rpc('push_changes', { p_trip_id: tripId, p_changes: [] }),
			403,
			'42501',
			'read-only member',
		);
		expect([await roleOf(viewer), await roleOf(editor)]).toEqual(['editor', 'viewer']);
	});

	test("refuses the owner's own role, roles other than editor and viewer, and non-members", async () => {
		const stranger = await createUser(api);
		const set = (userId: string, role: string) =>
			owner.client.rpc('set_member_role', { p_trip_id: tripId, p_user_id: userId, p_role: role });
		expectError(await set(owner.id, 'viewer'), 400, 'P0001', "the owner's role cannot be changed");
		expectError(await set(editor.id, 'owner'), 400, '22023', 'p_role must be editor or viewer');
		expectError(await set(stranger.id, 'editor'), 400, '22023', 'p_user_id is not a member of this trip');
		expect([await roleOf(owner), await roleOf(editor), await roleOf(stranger)]).toEqual(['owner', 'editor', undefined]);
	});

	test('members on the channel hear role_changed', async () => {
		const heard: Record<string, unknown>[] = [];
		const { channel, status } = await joinTripChannel(viewer.client, tripId, (ch) =>
			ch.on('broadcast', { event: 'membership' }, (m) => heard.push(m.payload as Record<string, unknown>)),
		);
		expect(status).toBe('SUBSCRIBED');
		await owner.client.rpc('set_member_role', { p_trip_id: tripId, p_user_id: editor.id, p_role: 'viewer' });
		await eventually(() => heard.length >= 1, 'the membership event');
		expect(heard[0]).toMatchObject({
			trip_id: tripId,
			action: 'role_changed',
			user_id: editor.id,
			role: 'viewer',
			by: owner.id,
		});
		await channel.unsubscribe();
	}, 15_000);
});

describe('transfer_ownership', () => {
	test('the new owner holds every owner right, the old owner becomes an editor and may then leave', async () => {
		expect((await owner.client.rpc('transfer_ownership', { p_trip_id: tripId, p_user_id: editor.id })).error).toBeNull();
		expect([await roleOf(editor), await roleOf(owner)]).toEqual(['owner', 'editor']);
		expectError(await owner.client.rpc('create_invite', { p_trip_id: tripId }), 403, '42501', 'owner only');
		expect((await editor.client.rpc('create_invite', { p_trip_id: tripId })).error).toBeNull();
		expect((await owner.client.rpc('leave_trip', { p_trip_id: tripId })).error).toBeNull();
		expect((await editor.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
		expect((await editor.client.rpc('restore_trip', { p_trip_id: tripId })).error).toBeNull();
	});

	test('only to an existing member; handing it to oneself is a no-op', async () => {
		const stranger = await createUser(api);
		expectError(
			await owner.client.rpc('transfer_ownership', { p_trip_id: tripId, p_user_id: stranger.id }),
			400,
			'22023',
			'p_user_id is not a member of this trip',
		);
		expect((await owner.client.rpc('transfer_ownership', { p_trip_id: tripId, p_user_id: owner.id })).error).toBeNull();
		expect([await roleOf(owner), await roleOf(stranger)]).toEqual(['owner', undefined]);
	});
});

describe('restore_trip', () => {
	test('within 30 days the owner gets the trip back, with its members and its log', async () => {
		await push(editor, tripId, makeChanges(3));
		expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
		expectError(await viewer.client.rpc('pull_changes', { p_trip_id: tripId }), 403, '42501', 'not a member');
		expect((await owner.client.rpc('restore_trip', { p_trip_id: tripId })).error).toBeNull();
		const { data, error } = await viewer.client.rpc('pull_changes', { p_trip_id: tripId });
		expect(error).toBeNull();
		expect(data).toHaveLength(3);
		// Restoring a trip that is not deleted (a retry) is a no-op.
		expect((await owner.client.rpc('restore_trip', { p_trip_id: tripId })).error).toBeNull();
	});

	test('after 30 days it is refused with 400 P0001, and the trip stays deleted', async () => {
		expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
		await api.pool.query(`update public.trips set deleted_at = now() - interval '31 days' where id = $1`, [tripId]);
		expectError(
			await owner.client.rpc('restore_trip', { p_trip_id: tripId }),
			400,
			'P0001',
			'trip deleted more than 30 days ago',
		);
		const { rows } = await api.pool.query('select deleted_at from public.trips where id = $1', [tripId]);
		expect(rows[0].deleted_at).not.toBeNull();
	});
});
