/**
 * Every API function, every table and the private trip channel × every relation a caller can have
 * to a trip. Each cell is its own test on a fresh trip, so destructive calls cannot leak into
 * other cells. Allowed cells must succeed; every other cell must fail with the specified status,
 * SQLSTATE and message.
 */
import * as A from '@automerge/automerge';
import { randomUUID } from 'node:crypto';
import type { PostgrestError, SupabaseClient } from '@supabase/supabase-js';
import { describe, expect, test } from 'vitest';
import { eventually, startTestStack } from '../helpers/stack.ts';
import {
	ACTORS,
	b64,
	clientOf,
	expectError,
	joinTripChannel,
	makeChanges,
	sleep,
	storedChangeCount,
	tripCast,
	type Actor,
	type TripCast,
} from './helpers.ts';

const api = await startTestStack();

type RpcResult = {
	data: unknown;
	error: PostgrestError | null;
	status: number;
};

type Need = 'signed-in' | 'member' | 'editor' | 'owner';

interface FunctionCase {
	name: string;
	/** Who must succeed. */
	allowed: readonly Actor[];
	/** The weakest relation the function accepts: decides the message other actors get. */
	needs: Need;
	call(client: SupabaseClient, cast: TripCast, actor: Actor): PromiseLike<RpcResult>;
	/** Extra checks after a successful call. */
	verify?(cast: TripCast, actor: Actor, result: RpcResult): Promise<void> | void;
	/** Overrides for denied cells whose refusal is not the generic one. */
	denied?: Partial<Record<Actor, { status: number; code: string; message: string | RegExp }>>;
}

const MEMBERS: readonly Actor[] = ['viewer', 'editor', 'owner'];
const WRITERS: readonly Actor[] = ['editor', 'owner'];
const SIGNED_IN: readonly Actor[] = ['stranger', 'viewer', 'editor', 'owner', 'removed'];

const FUNCTIONS: FunctionCase[] = [
	{
		name: 'create_trip (a new id)',
		allowed: SIGNED_IN,
		needs: 'signed-in',
		call: (c) => c.rpc('create_trip', { p_trip_id: randomUUID(), p_name: 'New trip' }),
	},
	{
		name: 'create_trip (an existing id)',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast) => c.rpc('create_trip', { p_trip_id: cast.tripId, p_name: 'Again' }),
		denied: Object.fromEntries(
			(['stranger', 'viewer', 'editor', 'removed'] as const).map((a) => [
				a,
				{
					status: 403,
					code: '42501',
					message: 'trip id belongs to another owner',
				},
			]),
		),
	},
	{
		name: 'set_trip_name',
		allowed: WRITERS,
		needs: 'editor',
		call: (c, cast) => c.rpc('set_trip_name', { p_trip_id: cast.tripId, p_name: 'Renamed' }),
		async verify(cast) {
			const { rows } = await api.pool.query('select name from public.trips where id = $1', [cast.tripId]);
			expect(rows[0].name).toBe('Renamed');
		},
	},
	{
		name: 'push_changes',
		allowed: WRITERS,
		needs: 'editor',
		call: (c, cast) =>
			c.rpc('push_changes', {
				p_trip_id: cast.tripId,
				p_changes: makeChanges(2).map(b64),
			}),
		async verify(cast) {
			expect(await storedChangeCount(api, cast.tripId)).toBe(2);
		},
	},
	{
		name: 'pull_changes',
		allowed: MEMBERS,
		needs: 'member',
		async call(c, cast) {
			await cast.owner.client.rpc('push_changes', {
				p_trip_id: cast.tripId,
				p_changes: makeChanges(3).map(b64),
			});
			return c.rpc('pull_changes', { p_trip_id: cast.tripId });
		},
		verify: (_cast, _actor, result) => expect((result.data as unknown[]).length).toBe(3),
	},
	{
		name: 'get_snapshot',
		allowed: MEMBERS,
		needs: 'member',
		call: (c, cast) => c.rpc('get_snapshot', { p_trip_id: cast.tripId }),
		verify: (_cast, _actor, result) => expect(result.data).toEqual([]),
	},
	{
		name: 'put_snapshot',
		allowed: WRITERS,
		needs: 'editor',
		call: (c, cast) =>
			c.rpc('put_snapshot', {
				p_trip_id: cast.tripId,
				p_seq: 0,
				p_data: b64(A.save(A.from({ a: 1 }))),
			}),
		async verify(cast) {
			const { rows } = await api.pool.query('select count(*)::int as n from public.trip_snapshots where trip_id = $1', [
				cast.tripId,
			]);
			expect(rows[0].n).toBe(1);
		},
	},
	{
		name: 'sync_status',
		allowed: SIGNED_IN,
		needs: 'signed-in',
		call: (c) => c.rpc('sync_status'),
		verify(cast, actor, result) {
			const ids = (result.data as { trip_id: string }[]).map((r) => r.trip_id);
			expect(ids.includes(cast.tripId)).toBe(MEMBERS.includes(actor));
		},
	},
	{
		name: 'create_invite',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast) => c.rpc('create_invite', { p_trip_id: cast.tripId }),
		verify: (_cast, _actor, result) => expect(result.data).toMatch(/^[A-Za-z0-9_-]{24,}$/),
	},
	{
		name: 'accept_invite',
		allowed: SIGNED_IN,
		needs: 'signed-in',
		async call(c, cast) {
			const { data: token } = await cast.owner.client.rpc('create_invite', {
				p_trip_id: cast.tripId,
				p_role: 'viewer',
			});
			return c.rpc('accept_invite', { p_token: token });
		},
		async verify(cast, actor, result) {
			expect(result.data).toBe(cast.tripId);
			const { rows } = await api.pool.query(
				'select role from public.trip_members where trip_id = $1 and user_id = $2',
				[cast.tripId, cast[actor as Exclude<Actor, 'anon'>].id],
			);
			// Joining never lowers a role: members keep theirs, newcomers become viewers.
			expect(rows[0].role).toBe(actor === 'stranger' || actor === 'removed' ? 'viewer' : actor);
		},
	},
	{
		name: 'remove_member',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast, actor) =>
			c.rpc('remove_member', {
				p_trip_id: cast.tripId,
				p_user_id: actor === 'viewer' ? cast.editor.id : cast.viewer.id,
			}),
		async verify(cast) {
			const { rows } = await api.pool.query(
				'select count(*)::int as n from public.trip_members where trip_id = $1 and user_id = $2',
				[cast.tripId, cast.viewer.id],
			);
			expect(rows[0].n).toBe(0);
		},
	},
	{
		name: 'leave_trip',
		allowed: ['viewer', 'editor'],
		needs: 'member',
		call: (c, cast) => c.rpc('leave_trip', { p_trip_id: cast.tripId }),
		async verify(cast, actor) {
			const { rows } = await api.pool.query('select role from public.trip_members where trip_id = $1', [cast.tripId]);
			expect(rows.map((r) => r.role).sort()).toEqual(['editor', 'owner', 'viewer'].filter((r) => r !== actor));
		},
		denied: {
			owner: { status: 400, code: 'P0001', message: 'the owner cannot leave' },
		},
	},
	{
		name: 'delete_trip',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast) => c.rpc('delete_trip', { p_trip_id: cast.tripId }),
		async verify(cast) {
			const { rows } = await api.pool.query('select deleted_at from public.trips where id = $1', [cast.tripId]);
			expect(rows[0].deleted_at).not.toBeNull();
		},
	},
	{
		name: 'list_invites',
		allowed: ['owner'],
		needs: 'owner',
		async call(c, cast) {
			await cast.owner.client.rpc('create_invite', { p_trip_id: cast.tripId, p_role: 'viewer' });
			return c.rpc('list_invites', { p_trip_id: cast.tripId });
		},
		verify(_cast, _actor, result) {
			const rows = result.data as Record<string, unknown>[];
			expect(rows).toHaveLength(1);
			expect(Object.keys(rows[0]!).sort()).toEqual(['created_at', 'expires_at', 'id', 'max_uses', 'role', 'uses']);
		},
	},
	{
		name: 'revoke_invite',
		allowed: ['owner'],
		needs: 'owner',
		async call(c, cast) {
			await cast.owner.client.rpc('create_invite', { p_trip_id: cast.tripId });
			const { rows } = await api.pool.query('select id from public.trip_invites where trip_id = $1', [cast.tripId]);
			return c.rpc('revoke_invite', { p_invite_id: rows[0].id });
		},
		async verify(cast) {
			expect(await inviteCount(cast.tripId)).toBe(0);
		},
	},
	{
		name: 'set_member_role',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast) =>
			c.rpc('set_member_role', { p_trip_id: cast.tripId, p_user_id: cast.viewer.id, p_role: 'editor' }),
		async verify(cast) {
			expect(await roleOf(cast.tripId, cast.viewer.id)).toBe('editor');
		},
	},
	{
		name: 'transfer_ownership',
		allowed: ['owner'],
		needs: 'owner',
		call: (c, cast) => c.rpc('transfer_ownership', { p_trip_id: cast.tripId, p_user_id: cast.editor.id }),
		async verify(cast) {
			expect([await roleOf(cast.tripId, cast.editor.id), await roleOf(cast.tripId, cast.owner.id)]).toEqual([
				'owner',
				'editor',
			]);
			const { rows } = await api.pool.query('select owner_id from public.trips where id = $1', [cast.tripId]);
			expect(rows[0].owner_id).toBe(cast.editor.id);
		},
	},
	{
		name: 'restore_trip',
		allowed: ['owner'],
		needs: 'owner',
		async call(c, cast) {
			await cast.owner.client.rpc('delete_trip', { p_trip_id: cast.tripId });
			return c.rpc('restore_trip', { p_trip_id: cast.tripId });
		},
		async verify(cast) {
			const { rows } = await api.pool.query('select deleted_at from public.trips where id = $1', [cast.tripId]);
			expect(rows[0].deleted_at).toBeNull();
		},
		// A deleted trip does not exist for anyone but its owner.
		denied: {
			viewer: { status: 403, code: '42501', message: 'not a member' },
			editor: { status: 403, code: '42501', message: 'not a member' },
		},
	},
	{
		name: 'set_profile',
		allowed: SIGNED_IN,
		needs: 'signed-in',
		call: (c) => c.rpc('set_profile', { p_display_name: 'Sam', p_color: '#336699' }),
	},
];

async function inviteCount(tripId: string): Promise<number> {
	const { rows } = await api.pool.query('select count(*)::int as n from public.trip_invites where trip_id = $1', [
		tripId,
	]);
	return rows[0].n as number;
}

async function roleOf(tripId: string, userId: string): Promise<string | undefined> {
	const { rows } = await api.pool.query('select role from public.trip_members where trip_id = $1 and user_id = $2', [
		tripId,
		userId,
	]);
	return rows[0]?.role as string | undefined;
}

function expectedDenial(fn: FunctionCase, actor: Actor): { status: number; code: string; message: string | RegExp } {
	const override = fn.denied?.[actor];
	if (override) return override;
	const rpcName = fn.name.split(' ')[0];
	if (actor === 'anon')
		return {
			status: 401,
			code: '42501',
			message: `permission denied for function ${rpcName}`,
		};
	if (actor === 'stranger' || actor === 'removed') return { status: 403, code: '42501', message: 'not a member' };
	if (fn.needs === 'owner') return { status: 403, code: '42501', message: 'owner only' };
	return { status: 403, code: '42501', message: 'read-only member' };
}

for (const fn of FUNCTIONS) {
	describe(`function ${fn.name}`, () => {
		for (const actor of ACTORS) {
			const allowed = fn.allowed.includes(actor);
			const denial = allowed ? undefined : expectedDenial(fn, actor);
			const name = allowed
				? `succeeds for ${actor}`
				: `is refused for ${actor} with ${denial!.status} ${denial!.code} "${denial!.message}"`;
			test(name, async () => {
				const cast = await tripCast(api);
				const result = await fn.call(clientOf(cast, actor), cast, actor);
				if (allowed) {
					expect(result.error).toBeNull();
					await fn.verify?.(cast, actor, result);
				} else {
					expectError(result, denial!.status, denial!.code, denial!.message);
				}
			});
		}
	});
}

// Tables ------------------------------------------------------------------------------------------

interface TableCase {
	table: string;
	/** The column that ties a row to the cast's trip (or user). */
	key: (cast: TripCast) => [column: string, value: string];
	/** Members can read the rows of their own trips; other tables are function-only. */
	readable: boolean;
	row: (cast: TripCast) => Record<string, unknown>;
	/** A plausible update of the cast's rows. */
	patch: (cast: TripCast) => Record<string, unknown>;
	/** Rows of the cast's trip visible to a member. */
	memberRows?: number;
}

const TABLES: TableCase[] = [
	{
		table: 'trips',
		key: (c) => ['id', c.tripId],
		readable: true,
		memberRows: 1,
		row: (c) => ({ id: randomUUID(), owner_id: c.owner.id, name: 'x' }),
		patch: () => ({ name: 'Hijacked', last_seq: 0 }),
	},
	{
		table: 'trip_members',
		key: (c) => ['trip_id', c.tripId],
		readable: true,
		memberRows: 3,
		row: (c) => ({ trip_id: c.tripId, user_id: c.stranger.id, role: 'owner' }),
		patch: () => ({ role: 'owner' }),
	},
	{
		table: 'trip_invites',
		key: (c) => ['trip_id', c.tripId],
		readable: false,
		row: (c) => ({
			token_hash: '\\x' + '00'.repeat(32),
			trip_id: c.tripId,
			role: 'editor',
			created_by: c.owner.id,
			expires_at: '2100-01-01T00:00:00Z',
		}),
		patch: () => ({ uses: 0, max_uses: null }),
	},
	{
		table: 'trip_changes',
		key: (c) => ['trip_id', c.tripId],
		readable: false,
		row: (c) => ({
			trip_id: c.tripId,
			seq: 99,
			hash: '\\x' + '00'.repeat(32),
			data: '\\x00',
			author_id: c.owner.id,
		}),
		patch: (c) => ({ author_id: c.stranger.id }),
	},
	{
		table: 'trip_snapshots',
		key: (c) => ['trip_id', c.tripId],
		readable: false,
		row: (c) => ({
			trip_id: c.tripId,
			seq: 0,
			data: '\\x00',
			created_by: c.owner.id,
		}),
		patch: () => ({ seq: 0 }),
	},
	{
		table: 'trip_actors',
		key: (c) => ['trip_id', c.tripId],
		readable: false,
		row: (c) => ({ trip_id: c.tripId, actor: '\\x01', author_id: c.stranger.id, first_seq: 1 }),
		patch: (c) => ({ author_id: c.stranger.id }),
	},
	{
		table: 'trip_removals',
		key: (c) => ['trip_id', c.tripId],
		readable: false,
		row: (c) => ({ trip_id: c.tripId, user_id: c.editor.id }),
		patch: () => ({ removed_at: '2000-01-01T00:00:00Z' }),
	},
	{
		table: 'profiles',
		key: (c) => ['id', c.owner.id],
		readable: true,
		memberRows: 1,
		row: (c) => ({
			id: c.stranger.id,
			display_name: 'Mallory',
			color: '#000000',
		}),
		patch: () => ({ display_name: 'Mallory' }),
	},
];

type Op = 'select' | 'insert' | 'update' | 'delete';

function tableOp(client: SupabaseClient, t: TableCase, cast: TripCast, op: Op): PromiseLike<RpcResult> {
	const [column, value] = t.key(cast);
	switch (op) {
		case 'select':
			return client.from(t.table).select('*').eq(column, value);
		case 'insert':
			return client.from(t.table).insert(t.row(cast));
		case 'update':
			return client.from(t.table).update(t.patch(cast)).eq(column, value);
		case 'delete':
			return client.from(t.table).delete().eq(column, value);
	}
}

/** A snapshot of everything stored for the cast, to prove that denied writes changed nothing. */
async function stored(cast: TripCast): Promise<string> {
	const { rows } = await api.pool.query(
		`select (select json_agg(t) from public.trips t where id = $1) as trips,
		        (select json_agg(m order by user_id) from public.trip_members m where trip_id = $1) as members,
		        (select count(*) from public.trip_invites where trip_id = $1) as invites,
		        (select count(*) from public.trip_changes where trip_id = $1) as changes,
		        (select count(*) from public.trip_snapshots where trip_id = $1) as snapshots,
		        (select count(*) from public.trip_actors where trip_id = $1) as actors,
		        (select json_agg(r order by user_id) from public.trip_removals r where trip_id = $1) as removals,
		        (select json_agg(p order by id) from public.profiles p) as profiles`,
		[cast.tripId],
	);
	return JSON.stringify(rows[0]);
}

describe('tables', () => {
	for (const t of TABLES) {
		for (const op of ['select', 'insert', 'update', 'delete'] as const) {
			for (const actor of ACTORS) {
				const reads = op === 'select' && t.readable && actor !== 'anon';
				const name = reads
					? `${op} on ${t.table} as ${actor} returns ${MEMBERS.includes(actor) ? `the ${t.memberRows} row(s) of their trip` : 'no rows of a trip they are not in'}`
					: `${op} on ${t.table} as ${actor} is denied with ${actor === 'anon' ? 401 : 403} and changes nothing`;
				test(name, async () => {
					const cast = await tripCast(api);
					await cast.owner.client.rpc('set_profile', {
						p_display_name: 'Owner',
						p_color: '#112233',
					});
					const before = await stored(cast);
					const result = await tableOp(clientOf(cast, actor), t, cast, op);
					if (reads) {
						expect(result.error).toBeNull();
						expect((result.data as unknown[]).length).toBe(MEMBERS.includes(actor) ? t.memberRows : 0);
					} else {
						expectError(result, actor === 'anon' ? 401 : 403, '42501', `permission denied for table ${t.table}`);
					}
					expect(await stored(cast)).toBe(before);
				});
			}
		}
	}
});

// The private Realtime channel ---------------------------------------------------------------------

describe('private channel trip:<id>', () => {
	for (const actor of ACTORS) {
		const joins = MEMBERS.includes(actor);
		test(`${actor} ${joins ? 'joins (SUBSCRIBED)' : 'is refused (CHANNEL_ERROR)'}`, async () => {
			const cast = await tripCast(api);
			const { channel, status } = await joinTripChannel(clientOf(cast, actor), cast.tripId);
			try {
				expect(status).toBe(joins ? 'SUBSCRIBED' : 'CHANNEL_ERROR');
			} finally {
				await channel.unsubscribe();
			}
		}, 10_000);
	}

	// Presence is part of being on the trip (who else is here); a broadcast writes to everyone.
	for (const actor of MEMBERS) {
		const broadcasts = WRITERS.includes(actor);
		test(`${actor} may track presence and ${broadcasts ? 'may' : 'may not'} broadcast`, async () => {
			const cast = await tripCast(api);
			const seen: unknown[] = [];
			const other = actor === 'owner' ? cast.editor : cast.owner;
			const listener = await joinTripChannel(other.client, cast.tripId, (ch) =>
				ch.on('broadcast', { event: 'ping' }, (m) => seen.push(m.payload)),
			);
			const { channel, status } = await joinTripChannel(clientOf(cast, actor), cast.tripId);
			try {
				expect([listener.status, status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
				expect(await channel.track({ user: actor })).toBe('ok');
				await channel.send({ type: 'broadcast', event: 'ping', payload: { from: actor } });
				if (broadcasts) await eventually(() => seen.length > 0, 'the broadcast');
				else await sleep(300);
				expect(seen).toEqual(broadcasts ? [{ from: actor }] : []);
			} finally {
				await Promise.all([channel.unsubscribe(), listener.channel.unsubscribe()]);
			}
		}, 10_000);
	}
});
