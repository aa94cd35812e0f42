// The server's members, invites and profiles functions (docs/server-contract.md, "Trips, members,
// invites") for the People screens. Every call is checked by the server; nothing here decides who
// may do what, it only words the answers.
import type { SupabaseClient } from '@supabase/supabase-js';

export type MemberRole = 'owner' | 'editor' | 'viewer';

export interface Member {
	userId: string;
	role: MemberRole;
	addedAt: string;
}

export interface Invite {
	id: string;
	role: 'editor' | 'viewer';
	createdAt: string;
	expiresAt: string;
	uses: number;
	maxUses: number | null;
}

export interface Profile {
	userId: string;
	name: string;
	colour: string;
}

export class CollabError extends Error {
	constructor(
		message: string,
		readonly code: string | undefined,
	) {
		super(message);
	}
}

async function rpc<T>(client: SupabaseClient, fn: string, args: Record<string, unknown>): Promise<T> {
	const { data, error } = await client.rpc(fn, args);
	if (error) throw new CollabError(error.message, error.code);
	return data as T;
}

export async function listMembers(client: SupabaseClient, tripId: string): Promise<Member[]> {
	const { data, error } = await client
		.from('trip_members')
		.select('user_id, role, added_at')
		.eq('trip_id', tripId)
		.order('added_at');
	if (error) throw new CollabError(error.message, error.code);
	return (data ?? []).map((r) => ({ userId: r.user_id, role: r.role, addedAt: r.added_at }));
}

/** Profiles by user id (members only, by RLS); people without one are simply absent. */
export async function profilesOf(client: SupabaseClient, userIds: string[]): Promise<Map<string, Profile>> {
	if (userIds.length === 0) return new Map();
	const { data, error } = await client.from('profiles').select('id, display_name, color').in('id', userIds);
	if (error) throw new CollabError(error.message, error.code);
	return new Map((data ?? []).map((r) => [r.id, { userId: r.id, name: r.display_name, colour: r.color }]));
}

export const setProfile = (client: SupabaseClient, name: string, colour: string) =>
	rpc<void>(client, 'set_profile', { p_display_name: name.slice(0, 80), p_color: colour });

export const createInvite = (
	client: SupabaseClient,
	tripId: string,
	role: 'editor' | 'viewer',
	{ expiresInHours = 168, maxUses = null }: { expiresInHours?: number; maxUses?: number | null } = {},
) =>
	rpc<string>(client, 'create_invite', {
		p_trip_id: tripId,
		p_role: role,
		p_expires_in_hours: expiresInHours,
		p_max_uses: maxUses,
	});

export async function listInvites(client: SupabaseClient, tripId: string): Promise<Invite[]> {
	const rows = await rpc<Record<string, unknown>[]>(client, 'list_invites', { p_trip_id: tripId });
	return (rows ?? []).map((r) => ({
		id: String(r.id),
		role: r.role as Invite['role'],
		createdAt: String(r.created_at),
		expiresAt: String(r.expires_at),
		uses: Number(r.uses),
		maxUses: r.max_uses === null || r.max_uses === undefined ? null : Number(r.max_uses),
	}));
}

export const revokeInvite = (client: SupabaseClient, inviteId: string) =>
	rpc<void>(client, 'revoke_invite', { p_invite_id: inviteId });
export const acceptInvite = (client: SupabaseClient, token: string) =>
	rpc<string>(client, 'accept_invite', { p_token: token });
export const setMemberRole = (client: SupabaseClient, tripId: string, userId: string, role: 'editor' | 'viewer') =>
	rpc<void>(client, 'set_member_role', { p_trip_id: tripId, p_user_id: userId, p_role: role });
export const transferOwnership = (client: SupabaseClient, tripId: string, userId: string) =>
	rpc<void>(client, 'transfer_ownership', { p_trip_id: tripId, p_user_id: userId });
export const removeMember = (client: SupabaseClient, tripId: string, userId: string) =>
	rpc<void>(client, 'remove_member', { p_trip_id: tripId, p_user_id: userId });
export const restoreTrip = (client: SupabaseClient, tripId: string) =>
	rpc<void>(client, 'restore_trip', { p_trip_id: tripId });

/** Why a join link did not work, in words for the person who opened it. */
export function joinProblem(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	if (/expired/.test(message)) return 'This invite link has expired. Ask whoever sent it for a new one.';
	if (/used up/.test(message)) return 'This invite link has been used as many times as it allows. Ask for a new one.';
	if (/not found/.test(message))
		return 'This invite link is not valid: it may have been revoked, or mistyped. Ask for a new one.';
	if (/removed from this trip/.test(message))
		return 'You were removed from this trip, so this older link no longer lets you in. Ask the owner for a new one.';
	if (/not signed in/.test(message)) return 'Signing you in did not work. Reload the page to try again.';
	return `Could not join the trip: ${message}`;
}
