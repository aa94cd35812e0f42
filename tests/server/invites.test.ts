import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { createTrip, expectError, makeChanges, push } from './helpers.ts';

const api = await startTestStack();

async function ownerWithTrip() {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	return { owner, tripId };
}

test('an invite token is at least 128 random bits, URL-safe, and only its SHA-256 is stored', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const tokens = new Set<string>();
	for (let i = 0; i < 20; i++) {
		const { data, error } = await owner.client.rpc('create_invite', {
			p_trip_id: tripId,
		});
		expect(error).toBeNull();
		tokens.add(data as string);
	}
	expect(tokens.size).toBe(20);
	for (const token of tokens) {
		expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
		expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
	}
	const { rows } = await api.pool.query(
		'select encode(token_hash, $2) as h from public.trip_invites where trip_id = $1',
		[tripId, 'hex'],
	);
	const stored = new Set(rows.map((r) => r.h));
	for (const token of tokens) expect(stored.has(createHash('sha256').update(token).digest('hex'))).toBe(true);
	const { rows: leaks } = await api.pool.query(
		'select count(*)::int as n from public.trip_invites where position($1::bytea in token_hash) > 0',
		[Buffer.from([...tokens][0]!)],
	);
	expect(leaks[0].n).toBe(0);
});

test('accepting an editor invite joins the trip as editor and returns the trip id; the new editor can push', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const joiner = await createUser(api);
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_role: 'editor',
	});
	const { data, error } = await joiner.client.rpc('accept_invite', {
		p_token: token,
	});
	expect(error).toBeNull();
	expect(data).toBe(tripId);
	await push(joiner, tripId, makeChanges(1));
	const { data: status } = await joiner.client.rpc('sync_status');
	expect(status).toMatchObject([{ trip_id: tripId, role: 'editor' }]);
});

test('accepting a viewer invite joins read-only', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const joiner = await createUser(api);
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_role: 'viewer',
	});
	expect((await joiner.client.rpc('accept_invite', { p_token: token })).error).toBeNull();
	expect((await joiner.client.rpc('pull_changes', { p_trip_id: tripId })).error).toBeNull();
	expectError(
		await joiner.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [],
		}),
		403,
		'42501',
		'read-only member',
	);
});

test('max_uses counts distinct joiners: accepting twice uses one, the next joiner beyond the limit is refused', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_max_uses: 2,
	});
	const [a, b, c] = await Promise.all([createUser(api), createUser(api), createUser(api)]);
	expect((await a.client.rpc('accept_invite', { p_token: token })).error).toBeNull();
	expect((await a.client.rpc('accept_invite', { p_token: token })).error).toBeNull();
	expect((await b.client.rpc('accept_invite', { p_token: token })).error).toBeNull();
	expectError(await c.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite used up');
	const { rows } = await api.pool.query('select uses from public.trip_invites where trip_id = $1', [tripId]);
	expect(rows[0].uses).toBe(2);
});

test('concurrent accepts of a single-use invite let exactly one user in', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_max_uses: 1,
	});
	const joiners = await Promise.all(Array.from({ length: 6 }, () => createUser(api)));
	const results = await Promise.all(joiners.map((j) => j.client.rpc('accept_invite', { p_token: token })));
	expect(results.filter((r) => r.error === null)).toHaveLength(1);
	for (const r of results.filter((x) => x.error)) expect(r.error?.message).toBe('invite used up');
	const { rows } = await api.pool.query('select count(*)::int as n from public.trip_members where trip_id = $1', [
		tripId,
	]);
	expect(rows[0].n).toBe(2);
});

test('an invite never lowers a role: an editor accepting a viewer link stays editor', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const editor = await createUser(api);
	const { data: editorToken } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_role: 'editor',
	});
	const { data: viewerToken } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_role: 'viewer',
	});
	await editor.client.rpc('accept_invite', { p_token: editorToken });
	expect((await editor.client.rpc('accept_invite', { p_token: viewerToken })).error).toBeNull();
	const { rows } = await api.pool.query('select role from public.trip_members where trip_id = $1 and user_id = $2', [
		tripId,
		editor.id,
	]);
	expect(rows[0].role).toBe('editor');
});

test('an expired invite is refused (400 22023 "invite expired") and nobody joins', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
		p_expires_in_hours: 1,
	});
	await api.pool.query("update public.trip_invites set expires_at = now() - interval '1 minute' where trip_id = $1", [
		tripId,
	]);
	const joiner = await createUser(api);
	expectError(await joiner.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite expired');
	expect(((await joiner.client.rpc('sync_status')).data as unknown[]).length).toBe(0);
});

test('an invite needs a signed-in user: the anon key gets 401', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const { data: token } = await owner.client.rpc('create_invite', {
		p_trip_id: tripId,
	});
	expectError(await clientFor(api).rpc('accept_invite', { p_token: token }), 401, '42501');
});

test('a removed member cannot come back through an invite made before the removal, but can through a new one', async () => {
	const { owner, tripId } = await ownerWithTrip();
	const member = await createUser(api);
	const { data: oldToken } = await owner.client.rpc('create_invite', { p_trip_id: tripId, p_role: 'editor' });
	expect((await member.client.rpc('accept_invite', { p_token: oldToken })).error).toBeNull();

	expect((await owner.client.rpc('remove_member', { p_trip_id: tripId, p_user_id: member.id })).error).toBeNull();
	const back = await member.client.rpc('accept_invite', { p_token: oldToken });
	expectError(back, 403, '42501', 'removed from this trip');
	expect((await member.client.rpc('sync_status')).data).toEqual([]);

	const { data: newToken } = await owner.client.rpc('create_invite', { p_trip_id: tripId, p_role: 'viewer' });
	const again = await member.client.rpc('accept_invite', { p_token: newToken });
	expect(again.error).toBeNull();
	expect((await member.client.rpc('sync_status')).data).toMatchObject([{ trip_id: tripId, role: 'viewer' }]);
});
