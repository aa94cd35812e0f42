import { createHash, randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';
import { b64, bigChange, createTrip, expectError, lastSeq, makeChanges, push, storedChangeCount } from './helpers.ts';

const api = await startTestStack();

let owner: TestUser;
let tripId: string;
/** A valid change set that leads every batch: a rejection elsewhere must not store it either. */
let good: Uint8Array;

beforeEach(async () => {
	owner = await createUser(api);
	tripId = await createTrip(owner);
	good = makeChanges(1, 'good')[0]!;
});

async function pushRaw(changes: string[]) {
	return owner.client.rpc('push_changes', {
		p_trip_id: tripId,
		p_changes: changes,
	});
}

async function expectNothingStored() {
	expect(await storedChangeCount(api, tripId)).toBe(0);
	expect(await lastSeq(api, tripId)).toBe(0);
}

/** A copy of a valid change with one byte changed. */
function flipped(change: Uint8Array, index: number): Uint8Array {
	const copy = new Uint8Array(change);
	copy[index] = copy[index]! ^ 0x01;
	return copy;
}

describe('push_changes rejects malformed change sets and stores nothing', () => {
	test('text that is not base64 gets 400 22023 "not base64"', async () => {
		expectError(await pushRaw([b64(good), 'this is *not* base64!']), 400, '22023', 'change 1: not base64');
		await expectNothingStored();
	});

	test('random bytes get 400 22023 "not an Automerge change"', async () => {
		const random = new Uint8Array(200).map(() => Math.floor(Math.random() * 256));
		random[0] = 0; // never the magic byte by chance
		expectError(await pushRaw([b64(good), b64(random)]), 400, '22023', 'change 1: not an Automerge change');
		await expectNothingStored();
	});

	test('an empty change set gets 400 22023 "not an Automerge change"', async () => {
		expectError(await pushRaw([b64(good), '']), 400, '22023', 'change 1: not an Automerge change');
		await expectNothingStored();
	});

	test('a change with one flipped body byte gets 400 22023 "checksum mismatch"', async () => {
		const [change] = makeChanges(1, 'flip');
		expectError(
			await pushRaw([b64(good), b64(flipped(change!, change!.length - 3))]),
			400,
			'22023',
			'change 1: checksum mismatch',
		);
		await expectNothingStored();
	});

	test('a change with a forged checksum byte gets 400 22023 "checksum mismatch"', async () => {
		expectError(await pushRaw([b64(flipped(good, 5))]), 400, '22023', 'change 0: checksum mismatch');
		await expectNothingStored();
	});

	test('a document chunk (type 0) is not accepted as a change', async () => {
		const [change] = makeChanges(1, 'type');
		const docChunk = new Uint8Array(change!);
		docChunk[8] = 0;
		expectError(await pushRaw([b64(docChunk)]), 400, '22023', 'change 0: not an Automerge change');
		await expectNothingStored();
	});

	test('a change whose declared length is wrong gets 400 22023 "not an Automerge change" naming the mismatch', async () => {
		const [change] = makeChanges(1, 'len');
		const truncated = change!.subarray(0, change!.length - 1);
		const padded = new Uint8Array([...change!, 0]);
		const short = await pushRaw([b64(good), b64(truncated)]);
		expectError(short, 400, '22023', 'change 1: not an Automerge change');
		expect(short.error?.details).toMatch(/^length mismatch/);
		expectError(await pushRaw([b64(padded)]), 400, '22023', 'change 0: not an Automerge change');
		await expectNothingStored();
	});

	test('a change whose length is written in padded LEB128 (which Automerge cannot read) is refused', async () => {
		const [change] = makeChanges(1, 'leb');
		// Byte 9 holds the body length; small changes use one byte. Re-encode it as two (b|0x80, 0x00).
		expect(change![9]! < 0x80).toBe(true);
		const body = change!.subarray(10);
		const padded = new Uint8Array([...change!.subarray(0, 9), change![9]! | 0x80, 0x00, ...body]);
		// With a correct checksum, so only the length encoding is wrong.
		padded.set(createHash('sha256').update(padded.subarray(8)).digest().subarray(0, 4), 4);
		expectError(await pushRaw([b64(padded)]), 400, '22023', 'change 0: not an Automerge change');
		await expectNothingStored();
	});

	test('more than 1,000 change sets in one call get 413 PT413 "push too large"', async () => {
		const many = makeChanges(1001, 'many').map(b64);
		expectError(await pushRaw(many), 413, 'PT413', 'push too large');
		await expectNothingStored();
	});

	test('a change set over 1 MiB gets 413 PT413', async () => {
		const huge = bigChange(1024 * 1024 + 10);
		expect(huge.length).toBeGreaterThan(1024 * 1024);
		expectError(await pushRaw([b64(good), b64(huge)]), 413, 'PT413', 'change 1: too large');
		await expectNothingStored();
	}, 30_000);

	test('a call over 4 MiB in total gets 413 PT413 even when each change set is within 1 MiB', async () => {
		const parts = Array.from({ length: 5 }, (_, i) => {
			const c = bigChange(900 * 1024 + i);
			return b64(c);
		});
		expectError(await pushRaw([b64(good), ...parts]), 413, 'PT413', 'push too large');
		await expectNothingStored();
	}, 30_000);

	test('a null element gets 400 22023', async () => {
		const result = await owner.client.rpc('push_changes', {
			p_trip_id: tripId,
			p_changes: [b64(good), null],
		});
		expectError(result, 400, '22023', 'change 1: not base64');
		await expectNothingStored();
	});

	test('a replayed change set is not stored twice', async () => {
		await push(owner, tripId, [good]);
		const replay = await pushRaw([b64(good)]);
		expect(replay.error).toBeNull();
		expect(replay.data).toEqual([{ seq: 1, hash: expect.any(String) }]);
		expect(await storedChangeCount(api, tripId)).toBe(1);
	});
});

describe('pull_changes rejects bad paging', () => {
	test('a p_limit of 1e9 gets 400 22023 "p_limit must be between 1 and 1000"', async () => {
		expectError(
			await owner.client.rpc('pull_changes', {
				p_trip_id: tripId,
				p_limit: 1e9,
			}),
			400,
			'22023',
			'p_limit must be between 1 and 1000',
		);
	});

	test('a p_limit of 0 gets 400 22023', async () => {
		expectError(
			await owner.client.rpc('pull_changes', { p_trip_id: tripId, p_limit: 0 }),
			400,
			'22023',
			'p_limit must be between 1 and 1000',
		);
	});

	test('a negative p_after_seq gets 400 22023', async () => {
		expectError(
			await owner.client.rpc('pull_changes', {
				p_trip_id: tripId,
				p_after_seq: -1,
			}),
			400,
			'22023',
			'p_after_seq must be >= 0',
		);
	});
});

describe('unknown and malformed trip ids', () => {
	test('an unknown trip id is "not a member" (403), so trip ids do not leak', async () => {
		const unknown = randomUUID();
		expectError(await owner.client.rpc('pull_changes', { p_trip_id: unknown }), 403, '42501', 'not a member');
		expectError(
			await owner.client.rpc('push_changes', {
				p_trip_id: unknown,
				p_changes: [b64(good)],
			}),
			403,
			'42501',
			'not a member',
		);
		expectError(await owner.client.rpc('get_snapshot', { p_trip_id: unknown }), 403, '42501', 'not a member');
		expect(await storedChangeCount(api, unknown)).toBe(0);
		const { rows } = await api.pool.query('select count(*)::int as n from public.trips where id = $1', [unknown]);
		expect(rows[0].n).toBe(0);
	});

	test('a trip id that is not a UUID gets 400', async () => {
		const result = await owner.client.rpc('pull_changes', {
			p_trip_id: 'not-a-uuid',
		});
		expect(result.status).toBe(400);
		expect(result.error?.code).toBe('22P02');
	});

	test('create_trip refuses an empty or over-long name with 400 22023', async () => {
		expectError(
			await owner.client.rpc('create_trip', {
				p_trip_id: randomUUID(),
				p_name: '   ',
			}),
			400,
			'22023',
			'p_name must be 1 to 200 characters',
		);
		expectError(
			await owner.client.rpc('create_trip', {
				p_trip_id: randomUUID(),
				p_name: 'x'.repeat(201),
			}),
			400,
			'22023',
			'p_name must be 1 to 200 characters',
		);
	});
});

describe('invites reject bad tokens', () => {
	let joiner: TestUser;
	beforeEach(async () => {
		joiner = await createUser(api);
	});

	async function memberCount() {
		const { rows } = await api.pool.query('select count(*)::int as n from public.trip_members where trip_id = $1', [
			tripId,
		]);
		return rows[0].n as number;
	}

	test('an unknown token gets 400 22023 "invite not found"', async () => {
		expectError(
			await joiner.client.rpc('accept_invite', {
				p_token: 'AAAAAAAAAAAAAAAAAAAAAAAA',
			}),
			400,
			'22023',
			'invite not found',
		);
		expectError(await joiner.client.rpc('accept_invite', { p_token: '' }), 400, '22023', 'invite not found');
		expect(await memberCount()).toBe(1);
	});

	test('an expired token gets 400 22023 "invite expired"', async () => {
		const { data: token } = await owner.client.rpc('create_invite', {
			p_trip_id: tripId,
		});
		await api.pool.query("update public.trip_invites set expires_at = now() - interval '1 second' where trip_id = $1", [
			tripId,
		]);
		expectError(await joiner.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite expired');
		expect(await memberCount()).toBe(1);
	});

	test('a used-up token gets 400 22023 "invite used up"', async () => {
		const { data: token } = await owner.client.rpc('create_invite', {
			p_trip_id: tripId,
			p_max_uses: 1,
		});
		expect((await joiner.client.rpc('accept_invite', { p_token: token })).error).toBeNull();
		const late = await createUser(api);
		expectError(await late.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite used up');
		expect(await memberCount()).toBe(2);
	});

	test('a token of a deleted trip gets "invite not found"', async () => {
		const { data: token } = await owner.client.rpc('create_invite', {
			p_trip_id: tripId,
		});
		expect((await owner.client.rpc('delete_trip', { p_trip_id: tripId })).error).toBeNull();
		expectError(await joiner.client.rpc('accept_invite', { p_token: token }), 400, '22023', 'invite not found');
	});

	test('create_invite refuses a bad role or duration with 400 22023', async () => {
		expectError(
			await owner.client.rpc('create_invite', {
				p_trip_id: tripId,
				p_role: 'owner',
			}),
			400,
			'22023',
			'p_role must be editor or viewer',
		);
		expectError(
			await owner.client.rpc('create_invite', {
				p_trip_id: tripId,
				p_expires_in_hours: 0,
			}),
			400,
			'22023',
			/p_expires_in_hours/,
		);
		expectError(
			await owner.client.rpc('create_invite', {
				p_trip_id: tripId,
				p_max_uses: 0,
			}),
			400,
			'22023',
			/p_max_uses/,
		);
		const { rows } = await api.pool.query('select count(*)::int as n from public.trip_invites where trip_id = $1', [
			tripId,
		]);
		expect(rows[0].n).toBe(0);
	});
});
