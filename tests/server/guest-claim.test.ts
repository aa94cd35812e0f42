import { randomUUID } from 'node:crypto';
import * as A from '@automerge/automerge';
import { describe, expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import type { TestUser } from '../helpers/users.ts';
import { addMember, b64, createTrip, expectError, pullAll, push } from './helpers.ts';

// supabase/migrations/20261202000500_guest_claim.sql, through supabase-js as real Auth users: the
// guest signs in anonymously, the account signs up with a password (is_anonymous is in their JWTs).
const api = await startTestStack();

async function guest(): Promise<TestUser> {
	const client = clientFor(api);
	const { data, error } = await client.auth.signInAnonymously();
	expect(error).toBeNull();
	return { id: data.user!.id, accessToken: data.session!.access_token, client };
}

async function account(): Promise<TestUser> {
	const client = clientFor(api);
	const { data, error } = await client.auth.signUp({ email: `a-${randomUUID()}@example.com`, password: 'secret-123' });
	expect(error).toBeNull();
	return { id: data.user!.id, accessToken: data.session!.access_token, client };
}

async function claimToken(user: TestUser): Promise<string> {
	const { data, error } = await user.client.rpc('create_claim_token');
	expect(error).toBeNull();
	return data as string;
}

async function members(tripId: string): Promise<Record<string, string>> {
	const { rows } = await api.pool.query<{ user_id: string; role: string }>(
		'select user_id, role from public.trip_members where trip_id = $1',
		[tripId],
	);
	return Object.fromEntries(rows.map((r) => [r.user_id, r.role]));
}

describe('create_claim_token', () => {
	test('gives a guest a 24-character token of which only the sha256 is stored, valid 15 minutes', async () => {
		const g = await guest();
		const token = await claimToken(g);
		expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
		const { rows } = await api.pool.query(
			`select encode(token_hash, 'hex') as hash, extract(epoch from expires_at - created_at)::int as life
			 from public.guest_claims where guest_id = $1`,
			[g.id],
		);
		expect(rows).toHaveLength(1);
		expect(rows[0].hash).not.toContain(token);
		expect(rows[0].life).toBe(15 * 60);
	});

	test('a new token replaces the earlier one', async () => {
		const g = await guest();
		const first = await claimToken(g);
		await claimToken(g);
		const a = await account();
		expectError(await a.client.rpc('redeem_claim_token', { p_token: first }), 400, '22023', 'claim token not found');
	});

	test('is refused to a permanent account, and not executable without signing in', async () => {
		const a = await account();
		expectError(await a.client.rpc('create_claim_token'), 403, '42501', 'only a guest can hand over trips');
		const anon = await clientFor(api).rpc('create_claim_token');
		expect(anon.error?.code).toBe('42501');
		expect(anon.error?.message).toMatch(/permission denied/);
	});
});

describe('redeem_claim_token', () => {
	test("hands the guest's trips to the account: owner, members, invites, and the guest's edits", async () => {
		const g = await guest();
		const a = await account();
		const friend = await account();
		const tripId = await createTrip(g, 'Guest trip');
		await addMember(api, tripId, friend, 'editor');
		let doc = A.change(A.init<{ items: string[] }>(), (d) => {
			d.items = ['tent'];
		});
		await push(g, tripId, [A.getLastLocalChange(doc)!]);
		const { error: inviteError } = await g.client.rpc('create_invite', { p_trip_id: tripId });
		expect(inviteError).toBeNull();

		const token = await claimToken(g);
		const { data, error } = await a.client.rpc('redeem_claim_token', { p_token: token });
		expect(error).toBeNull();
		expect(data).toBe(1);

		expect(await members(tripId)).toEqual({ [a.id]: 'owner', [friend.id]: 'editor' });
		const { rows: trips } = await api.pool.query('select owner_id from public.trips where id = $1', [tripId]);
		expect(trips[0].owner_id).toBe(a.id);
		const { rows: invites } = await api.pool.query('select created_by from public.trip_invites where trip_id = $1', [
			tripId,
		]);
		expect(invites.map((i) => i.created_by)).toEqual([a.id]);

		// The account reads the log and can push what the guest edited offline (same Automerge actor).
		expect(await pullAll(a, tripId)).toHaveLength(1);
		doc = A.change(doc, (d) => {
			d.items.push('stove');
		});
		const { error: pushError } = await a.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [b64(A.getLastLocalChange(doc)!)],
		});
		expect(pushError).toBeNull();
		// The guest is no longer a member of anything.
		expectError(
			await g.client.rpc('pull_changes', { p_trip_id: tripId, p_after_seq: 0 }),
			403,
			'42501',
			'not a member',
		);
		const { data: list } = await a.client.rpc('sync_status');
		expect((list as { trip_id: string }[]).map((t) => t.trip_id)).toContain(tripId);
	});

	test('works once: a second redemption, by anyone, finds no token', async () => {
		const g = await guest();
		await createTrip(g);
		const token = await claimToken(g);
		const [first, second] = [await account(), await account()];
		expect((await first.client.rpc('redeem_claim_token', { p_token: token })).data).toBe(1);
		expectError(
			await second.client.rpc('redeem_claim_token', { p_token: token }),
			400,
			'22023',
			'claim token not found',
		);
		expectError(
			await first.client.rpc('redeem_claim_token', { p_token: token }),
			400,
			'22023',
			'claim token not found',
		);
	});

	test('two accounts redeeming one token at once: exactly one gets the trips', async () => {
		const g = await guest();
		const tripId = await createTrip(g);
		const token = await claimToken(g);
		const [x, y] = [await account(), await account()];
		const results = await Promise.all([x, y].map((u) => u.client.rpc('redeem_claim_token', { p_token: token })));
		expect(results.map((r) => r.data ?? r.error?.message).sort()).toEqual([1, 'claim token not found'].sort());
		const winner = results[0]!.data === 1 ? x : y;
		expect(await members(tripId)).toEqual({ [winner.id]: 'owner' });
	});

	test('keeps the higher role where the account is already a member', async () => {
		const g = await guest();
		const a = await account();
		const other = await account();
		const guestOwned = await createTrip(g, 'Guest owns');
		await addMember(api, guestOwned, a, 'viewer');
		const accountOwned = await createTrip(a, 'Account owns');
		await addMember(api, accountOwned, g, 'editor');
		const both = await createTrip(other, 'Both invited');
		await addMember(api, both, g, 'editor');
		await addMember(api, both, a, 'viewer');

		const { data } = await a.client.rpc('redeem_claim_token', { p_token: await claimToken(g) });
		expect(data).toBe(3);
		expect(await members(guestOwned)).toEqual({ [a.id]: 'owner' });
		expect(await members(accountOwned)).toEqual({ [a.id]: 'owner' });
		expect(await members(both)).toEqual({ [other.id]: 'owner', [a.id]: 'editor' });
	});

	test('an expired token is refused and moves nothing', async () => {
		const g = await guest();
		const tripId = await createTrip(g);
		const token = await claimToken(g);
		await api.pool.query(
			`update public.guest_claims set expires_at = now() - interval '1 second' where guest_id = $1`,
			[g.id],
		);
		const a = await account();
		expectError(await a.client.rpc('redeem_claim_token', { p_token: token }), 400, '22023', 'claim token expired');
		expect(await members(tripId)).toEqual({ [g.id]: 'owner' });
	});

	test('is refused to a guest, to a made-up token, and without signing in', async () => {
		const g = await guest();
		const token = await claimToken(g);
		const other = await guest();
		expectError(
			await other.client.rpc('redeem_claim_token', { p_token: token }),
			403,
			'42501',
			"sign in to an account to claim a guest's trips",
		);
		const a = await account();
		expectError(await a.client.rpc('redeem_claim_token', { p_token: 'x'.repeat(24) }), 400, '22023');
		expectError(await a.client.rpc('redeem_claim_token', { p_token: 'x'.repeat(5000) }), 400, '22023');
		const anon = await clientFor(api).rpc('redeem_claim_token', { p_token: token });
		expect(anon.error?.message).toMatch(/permission denied/);
		// None of the refusals used the token up.
		expect((await a.client.rpc('redeem_claim_token', { p_token: token })).data).toBe(0);
	});
});
