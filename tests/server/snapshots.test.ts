import * as A from '@automerge/automerge';
import { beforeEach, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';
import { addMember, b64, createTrip, expectError, fromB64, makeChanges, push } from './helpers.ts';

const api = await startTestStack();

let owner: TestUser;
let viewer: TestUser;
let tripId: string;

beforeEach(async () => {
	owner = await createUser(api);
	viewer = await createUser(api);
	tripId = await createTrip(owner);
	await addMember(api, tripId, viewer, 'viewer');
});

function tripDoc(items: number) {
	let doc = A.from<{ title: string; items: string[] }>({
		title: 'Rome',
		items: [],
	});
	for (let i = 0; i < items; i++)
		doc = A.change(doc, (d) => {
			d.items.push(`item ${i}`);
		});
	return doc;
}

async function snapshotRow(): Promise<{ seq: number; data: string } | undefined> {
	const { data, error } = await viewer.client.rpc('get_snapshot', {
		p_trip_id: tripId,
	});
	expect(error).toBeNull();
	return (data as { seq: number; data: string }[])[0];
}

test('a snapshot round-trips: A.save bytes -> put_snapshot -> get_snapshot -> A.load gives the same document', async () => {
	const doc = tripDoc(20);
	await push(owner, tripId, A.getAllChanges(doc));
	const saved = A.save(doc);
	expect(
		(
			await owner.client.rpc('put_snapshot', {
				p_trip_id: tripId,
				p_seq: 21,
				p_data: b64(saved),
			})
		).error,
	).toBeNull();
	const row = await snapshotRow();
	expect(row?.seq).toBe(21);
	expect(fromB64(row!.data)).toEqual(saved);
	const loaded = A.load<{ title: string; items: string[] }>(fromB64(row!.data));
	expect(A.toJS(loaded)).toEqual(A.toJS(doc));
	expect(A.getHeads(loaded)).toEqual(A.getHeads(doc));
	const { data } = await owner.client.rpc('sync_status');
	expect((data as { trip_id: string; snapshot_seq: number }[]).find((r) => r.trip_id === tripId)?.snapshot_seq).toBe(
		21,
	);
});

test('get_snapshot returns no row when the trip has no snapshot', async () => {
	expect(await snapshotRow()).toBeUndefined();
});

test('put_snapshot beyond last_seq is refused with 400 22023 "seq beyond last_seq" and stores nothing', async () => {
	await push(owner, tripId, makeChanges(2));
	const result = await owner.client.rpc('put_snapshot', {
		p_trip_id: tripId,
		p_seq: 3,
		p_data: b64(A.save(tripDoc(1))),
	});
	expectError(result, 400, '22023', 'seq beyond last_seq');
	expect(await snapshotRow()).toBeUndefined();
});

test('a newer snapshot replaces an older one, and an older upload does not replace a newer one', async () => {
	await push(owner, tripId, makeChanges(10));
	const older = A.save(tripDoc(1));
	const newer = A.save(tripDoc(2));
	expect(
		(
			await owner.client.rpc('put_snapshot', {
				p_trip_id: tripId,
				p_seq: 5,
				p_data: b64(older),
			})
		).error,
	).toBeNull();
	expect(
		(
			await owner.client.rpc('put_snapshot', {
				p_trip_id: tripId,
				p_seq: 9,
				p_data: b64(newer),
			})
		).error,
	).toBeNull();
	expect(await snapshotRow()).toMatchObject({ seq: 9, data: b64(newer) });
	expect(
		(
			await owner.client.rpc('put_snapshot', {
				p_trip_id: tripId,
				p_seq: 7,
				p_data: b64(older),
			})
		).error,
	).toBeNull();
	expect(await snapshotRow()).toMatchObject({ seq: 9, data: b64(newer) });
	const { rows } = await api.pool.query('select count(*)::int as n from public.trip_snapshots where trip_id = $1', [
		tripId,
	]);
	expect(rows[0].n).toBe(1);
});

test('a change chunk is not accepted as a snapshot', async () => {
	const [change] = makeChanges(1);
	await push(owner, tripId, [change!]);
	expectError(
		await owner.client.rpc('put_snapshot', {
			p_trip_id: tripId,
			p_seq: 1,
			p_data: b64(change!),
		}),
		400,
		'22023',
		'snapshot: not an Automerge document',
	);
	expect(await snapshotRow()).toBeUndefined();
});

test('a corrupted snapshot is refused with a checksum mismatch', async () => {
	const saved = A.save(tripDoc(3));
	saved[saved.length - 2] = saved[saved.length - 2]! ^ 0xff;
	expectError(
		await owner.client.rpc('put_snapshot', {
			p_trip_id: tripId,
			p_seq: 0,
			p_data: b64(saved),
		}),
		400,
		'22023',
		'snapshot: checksum mismatch',
	);
	expectError(
		await owner.client.rpc('put_snapshot', {
			p_trip_id: tripId,
			p_seq: 0,
			p_data: '%%%',
		}),
		400,
		'22023',
		'snapshot: not base64',
	);
	expect(await snapshotRow()).toBeUndefined();
});

test('a snapshot over 5 MiB is refused with 413', async () => {
	const huge = new Uint8Array(5 * 1024 * 1024 + 1);
	expectError(
		await owner.client.rpc('put_snapshot', {
			p_trip_id: tripId,
			p_seq: 0,
			p_data: b64(huge),
		}),
		413,
		'PT413',
		'snapshot too large',
	);
	expect(await snapshotRow()).toBeUndefined();
}, 30_000);
