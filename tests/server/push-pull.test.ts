import * as A from '@automerge/automerge';
import { describe, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import {
	addMember,
	b64,
	bigChange,
	createTrip,
	expectError,
	fromB64,
	hashOf,
	lastSeq,
	makeChanges,
	pullAll,
	push,
	storedChangeCount,
} from './helpers.ts';

const api = await startTestStack();

describe('push_changes', () => {
	test('assigns seqs 1..n in input order and returns the Automerge hash of each change set', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const changes = makeChanges(5);
		const rows = await push(owner, tripId, changes);
		expect(rows).toEqual(changes.map((c, i) => ({ seq: i + 1, hash: hashOf(c) })));
		expect(await lastSeq(api, tripId)).toBe(5);
	});

	test('continues the sequence across calls and authors', async () => {
		const owner = await createUser(api);
		const editor = await createUser(api);
		const tripId = await createTrip(owner);
		await addMember(api, tripId, editor, 'editor');
		const [a, b, c] = [makeChanges(2, 'a'), makeChanges(1, 'b'), makeChanges(3, 'c')];
		expect((await push(owner, tripId, a)).map((r) => r.seq)).toEqual([1, 2]);
		expect((await push(editor, tripId, b)).map((r) => r.seq)).toEqual([3]);
		expect((await push(owner, tripId, c)).map((r) => r.seq)).toEqual([4, 5, 6]);
		const { rows } = await api.pool.query(
			'select seq::int, author_id from public.trip_changes where trip_id = $1 order by seq',
			[tripId],
		);
		expect(rows.map((r) => r.author_id)).toEqual([owner.id, owner.id, editor.id, owner.id, owner.id, owner.id]);
	});

	test('a retried call returns the same seqs and stores nothing new', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const changes = makeChanges(4);
		const first = await push(owner, tripId, changes);
		const again = await push(owner, tripId, changes);
		expect(again).toEqual(first);
		expect(await storedChangeCount(api, tripId)).toBe(4);
		expect(await lastSeq(api, tripId)).toBe(4);
	});

	test('a call mixing stored and new change sets only appends the new ones', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const changes = makeChanges(4);
		await push(owner, tripId, changes.slice(0, 2));
		const rows = await push(owner, tripId, changes);
		expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
		expect(await storedChangeCount(api, tripId)).toBe(4);
	});

	test('duplicates within one call are stored once and both get the same seq', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const [a, b] = makeChanges(2);
		const rows = await push(owner, tripId, [a!, b!, a!]);
		expect(rows.map((r) => r.seq)).toEqual([1, 2, 1]);
		expect(await storedChangeCount(api, tripId)).toBe(2);
	});

	test('an empty batch is accepted and stores nothing', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		expect(await push(owner, tripId, [])).toEqual([]);
		expect(await lastSeq(api, tripId)).toBe(0);
	});

	test('one rejected change set rejects its whole batch, naming its index', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const changes = makeChanges(3).map(b64);
		const result = await owner.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [changes[0], changes[1], 'bm90IGEgY2hhbmdl', changes[2]],
		});
		expectError(result, 400, '22023', 'change 2: not an Automerge change');
		expect(await storedChangeCount(api, tripId)).toBe(0);
		expect(await lastSeq(api, tripId)).toBe(0);
	});

	test('stores the bytes exactly as pushed', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const [change] = makeChanges(1);
		await push(owner, tripId, [change!]);
		const { rows } = await api.pool.query(
			'select data, encode(hash, $2) as hash from public.trip_changes where trip_id = $1',
			[tripId, 'hex'],
		);
		expect(new Uint8Array(rows[0].data)).toEqual(change);
		expect(rows[0].hash).toBe(hashOf(change!));
	});
});

describe('push_changes under contention', () => {
	test('a push that waited for the trip lock while its author was removed is refused and stores nothing', async () => {
		const owner = await createUser(api);
		const editor = await createUser(api);
		const tripId = await createTrip(owner);
		await addMember(api, tripId, editor, 'editor');
		const lock = await api.pool.connect();
		try {
			await lock.query('begin');
			await lock.query('select 1 from public.trips where id = $1 for update', [tripId]);
			// supabase-js builders are lazy: then() sends the request now, and it blocks on the lock.
			const pushing = editor.client
				.rpc('push_changes', { p_trip_id: tripId, p_changes: makeChanges(1).map(b64) })
				.then((r) => r);
			await new Promise((r) => setTimeout(r, 300));
			await lock.query('delete from public.trip_members where trip_id = $1 and user_id = $2', [tripId, editor.id]);
			await lock.query('commit');
			expectError(await pushing, 403, '42501', 'not a member');
		} finally {
			lock.release();
		}
		expect(await storedChangeCount(api, tripId)).toBe(0);
	});
});

describe('pull_changes', () => {
	test('a page stops at about 8 MiB of change data, and reading on from its last seq gets the rest', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		const big = Array.from({ length: 12 }, () => bigChange(1000 * 1024));
		for (let i = 0; i < big.length; i += 3) await push(owner, tripId, big.slice(i, i + 3));

		const { data, error } = await owner.client.rpc('pull_changes', { p_trip_id: tripId });
		expect(error).toBeNull();
		const first = data as { seq: number; data: string }[];
		const bytes = first.reduce((n, row) => n + fromB64(row.data).length, 0);
		expect(first.length).toBeGreaterThan(0);
		expect(first.length).toBeLessThan(big.length);
		expect(bytes).toBeLessThanOrEqual(8 * 1024 * 1024 + 1024 * 1024);

		const all = await pullAll(owner, tripId);
		expect(all.map((r) => r.seq)).toEqual(big.map((_, i) => i + 1));
	}, 60_000);

	test('returns change sets after p_after_seq in seq order, with base64 data that decodes to what was pushed', async () => {
		const owner = await createUser(api);
		const viewer = await createUser(api);
		const tripId = await createTrip(owner);
		await addMember(api, tripId, viewer, 'viewer');
		const changes = makeChanges(6);
		await push(owner, tripId, changes);
		const { data, error } = await viewer.client.rpc('pull_changes', {
			p_trip_id: tripId,
			p_after_seq: 2,
		});
		expect(error).toBeNull();
		expect(data).toEqual(
			changes.slice(2).map((c, i) => ({ seq: i + 3, hash: hashOf(c), data: b64(c), author_id: owner.id })),
		);
	});

	test('defaults to everything from the start', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		await push(owner, tripId, makeChanges(3));
		const { data, error } = await owner.client.rpc('pull_changes', {
			p_trip_id: tripId,
		});
		expect(error).toBeNull();
		expect((data as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2, 3]);
	});

	test('returns at most p_limit rows and pages through the log without gaps', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		await push(owner, tripId, makeChanges(25));
		const { data } = await owner.client.rpc('pull_changes', {
			p_trip_id: tripId,
			p_after_seq: 0,
			p_limit: 10,
		});
		expect((data as unknown[]).length).toBe(10);
		const all = await pullAll(owner, tripId, 7);
		expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
	});

	test('returns no rows past the end of the log', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		await push(owner, tripId, makeChanges(2));
		const { data, error } = await owner.client.rpc('pull_changes', {
			p_trip_id: tripId,
			p_after_seq: 2,
		});
		expect(error).toBeNull();
		expect(data).toEqual([]);
	});

	test('pulled change sets rebuild the document on an empty Automerge doc', async () => {
		const owner = await createUser(api);
		const tripId = await createTrip(owner);
		let doc = A.from<{ items: string[]; title: string }>({
			items: [],
			title: 'Alps',
		});
		const changes = A.getAllChanges(doc);
		for (const item of ['boots', 'rope', 'map']) {
			doc = A.change(doc, (d) => {
				d.items.push(item);
			});
			changes.push(A.getLastLocalChange(doc)!);
		}
		await push(owner, tripId, changes);
		const pulled = await pullAll(owner, tripId);
		const [rebuilt] = A.applyChanges(
			A.init<{ items: string[]; title: string }>(),
			pulled.map((r) => fromB64(r.data)),
		);
		expect(A.toJS(rebuilt)).toEqual({
			items: ['boots', 'rope', 'map'],
			title: 'Alps',
		});
		expect(A.getHeads(rebuilt)).toEqual(A.getHeads(doc));
	});
});
