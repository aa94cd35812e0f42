/**
 * Shared arrangements for the trip-log server tests (supabase/migrations/*_trip_log_*.sql).
 * Tests act through supabase-js as real users; `api.pool` (superuser) only arranges state that
 * has no API of its own (a member already removed, an invite already expired) and inspects what
 * was stored.
 */
import * as A from '@automerge/automerge';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PostgrestError, RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { expect } from 'vitest';
import { clientFor, type TestApi } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';

export type Role = 'owner' | 'editor' | 'viewer';

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** `n` successive valid change sets of one document, one field edit each. */
export function makeChanges(n: number, label = 'x'): Uint8Array[] {
	let doc = A.init<Record<string, number>>();
	const out: Uint8Array[] = [];
	for (let i = 0; i < n; i++) {
		doc = A.change(doc, (d) => {
			d[`${label}${i}`] = i;
		});
		out.push(A.getLastLocalChange(doc)!);
	}
	return out;
}

/**
 * One valid change set of a little over `bytes` bytes: a single bytes value (one op, so it is quick
 * to make; Automerge keeps a change's columns uncompressed).
 */
export function bigChange(bytes: number): Uint8Array {
	const doc = A.change(A.init<{ blob?: Uint8Array }>(), (d) => {
		d.blob = randomBytes(bytes);
	});
	return A.getLastLocalChange(doc)!;
}

export const hashOf = (change: Uint8Array): string => A.decodeChange(change).hash;

/** Creates a trip through the API as `owner`; returns its id. */
export async function createTrip(owner: TestUser, name = 'Lisbon in May'): Promise<string> {
	const tripId = randomUUID();
	const { error } = await owner.client.rpc('create_trip', {
		p_trip_id: tripId,
		p_name: name,
	});
	expect(error).toBeNull();
	return tripId;
}

/** Arranges membership directly (invites have their own tests). */
export async function addMember(api: TestApi, tripId: string, user: TestUser, role: Role): Promise<void> {
	await api.pool.query('insert into public.trip_members (trip_id, user_id, role) values ($1, $2, $3)', [
		tripId,
		user.id,
		role,
	]);
}

export interface TripCast {
	tripId: string;
	owner: TestUser;
	editor: TestUser;
	viewer: TestUser;
	/** Signed in, never a member. */
	stranger: TestUser;
	/** Was an editor, then removed by the owner through remove_member. */
	removed: TestUser;
	/** supabase-js with the anon key and no session. */
	anon: SupabaseClient;
}

export type Actor = 'anon' | 'stranger' | 'viewer' | 'editor' | 'owner' | 'removed';
export const ACTORS: readonly Actor[] = ['anon', 'stranger', 'viewer', 'editor', 'owner', 'removed'];

/** A trip with one user in every relation to it. */
export async function tripCast(api: TestApi): Promise<TripCast> {
	const [owner, editor, viewer, stranger, removed] = await Promise.all([
		createUser(api),
		createUser(api),
		createUser(api),
		createUser(api),
		createUser(api),
	]);
	const tripId = await createTrip(owner);
	await addMember(api, tripId, editor, 'editor');
	await addMember(api, tripId, viewer, 'viewer');
	await addMember(api, tripId, removed, 'editor');
	const { error } = await owner.client.rpc('remove_member', {
		p_trip_id: tripId,
		p_user_id: removed.id,
	});
	expect(error).toBeNull();
	return {
		tripId,
		owner,
		editor,
		viewer,
		stranger,
		removed,
		anon: clientFor(api),
	};
}

export function clientOf(cast: TripCast, actor: Actor): SupabaseClient {
	return actor === 'anon' ? cast.anon : cast[actor].client;
}

/** Asserts a PostgREST error by status, SQLSTATE and message (a RegExp or an exact string). */
export function expectError(
	result: { error: PostgrestError | null; status: number },
	status: number,
	code: string,
	message?: string | RegExp,
): void {
	expect(result.error, `expected ${status} ${code}`).not.toBeNull();
	expect(
		{ status: result.status, code: result.error!.code },
		`got: ${result.error!.message} ${result.error!.details ?? ''}`,
	).toEqual({
		status,
		code,
	});
	if (message instanceof RegExp) expect(result.error!.message).toMatch(message);
	else if (message !== undefined) expect(result.error!.message).toBe(message);
}

export async function storedChangeCount(api: TestApi, tripId: string): Promise<number> {
	const { rows } = await api.pool.query<{ n: number }>(
		'select count(*)::int as n from public.trip_changes where trip_id = $1',
		[tripId],
	);
	return rows[0]!.n;
}

export async function lastSeq(api: TestApi, tripId: string): Promise<number> {
	const { rows } = await api.pool.query<{ last_seq: string }>('select last_seq from public.trips where id = $1', [
		tripId,
	]);
	return Number(rows[0]!.last_seq);
}

/** Pushes change sets through the API and expects success; returns the rows. */
export async function push(
	user: TestUser,
	tripId: string,
	changes: Uint8Array[],
): Promise<{ seq: number; hash: string }[]> {
	const { data, error } = await user.client.rpc('push_changes', {
		p_trip_id: tripId,
		p_changes: changes.map(b64),
	});
	expect(error).toBeNull();
	return data as { seq: number; hash: string }[];
}

/** A row of pull_changes. */
export interface PulledChange {
	seq: number;
	hash: string;
	data: string;
	/** The member who pushed it (auth.uid() of the push), never what the document says. */
	author_id: string;
}

/**
 * Every change set of a trip through pull_changes, page by page. A page may end early (it stops at
 * a byte budget), so only an empty page means the end.
 */
export async function pullAll(user: TestUser, tripId: string, pageSize = 1000): Promise<PulledChange[]> {
	const all: PulledChange[] = [];
	for (;;) {
		const after = all.length ? all[all.length - 1]!.seq : 0;
		const { data, error } = await user.client.rpc('pull_changes', {
			p_trip_id: tripId,
			p_after_seq: after,
			p_limit: pageSize,
		});
		expect(error).toBeNull();
		const rows = data as PulledChange[];
		if (rows.length === 0) return all;
		all.push(...rows);
	}
}

export type JoinOutcome = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';

/**
 * Joins the private channel `trip:<id>` and resolves with the first terminal status. Listeners
 * must be attached by `setup` before joining (realtime-js requires it).
 */
export function joinTripChannel(
	client: SupabaseClient,
	tripId: string,
	setup: (channel: RealtimeChannel) => void = () => {},
	timeoutMs = 5000,
): Promise<{ channel: RealtimeChannel; status: JoinOutcome; error?: Error }> {
	const channel = client.channel(`trip:${tripId}`, {
		config: { private: true, broadcast: { self: false } },
	});
	setup(channel);
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve({ channel, status: 'TIMED_OUT' }), timeoutMs);
		channel.subscribe((status, error) => {
			if (status === 'SUBSCRIBED' || status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
				clearTimeout(timer);
				resolve({ channel, status: status as JoinOutcome, error });
			}
		});
	});
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Unsigned LEB128, as Automerge writes it. */
export function uleb(n: number): number[] {
	const out: number[] = [];
	do {
		let byte = n & 0x7f;
		n = Math.floor(n / 128);
		if (n) byte |= 0x80;
		out.push(byte);
	} while (n);
	return out;
}

/** The body of an uncompressed change chunk (what follows magic, checksum, type and length). */
export function changeBody(chunk: Uint8Array): Uint8Array {
	let pos = 9;
	while (chunk[pos]! & 0x80) pos++;
	return chunk.subarray(pos + 1);
}

/**
 * A chunk of `type` around `body` with a valid frame: length as LEB128 and the checksum Automerge
 * computes (first 4 bytes of sha256 of type, length and body) unless one is given.
 */
export function frameChunk(body: Uint8Array, type = 1, checksum?: Uint8Array): Uint8Array {
	const inner = new Uint8Array([type, ...uleb(body.length), ...body]);
	const sum = checksum ?? createHash('sha256').update(inner).digest().subarray(0, 4);
	return new Uint8Array([0x85, 0x6f, 0x4a, 0x83, ...sum, ...inner]);
}
