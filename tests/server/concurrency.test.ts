import * as A from '@automerge/automerge';
import { expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';
import { addMember, b64, createTrip, fromB64, hashOf, lastSeq, pullAll } from './helpers.ts';

const api = await startTestStack();

type Doc = Record<string, number>;

const CLIENTS = 12;
const ROUNDS = 5;
const PER_CALL = 3;

test(`${CLIENTS} editors pushing to one trip at once get contiguous seqs from 1 with no gap, no duplicate and no loss`, async () => {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	const editors: TestUser[] = await Promise.all(Array.from({ length: CLIENTS }, () => createUser(api)));
	for (const editor of editors) await addMember(api, tripId, editor, 'editor');

	// Each editor has its own document (own actor) and pushes ROUNDS batches of PER_CALL edits,
	// all editors at the same time.
	const pushed = new Map<string, number>(); // hash -> seq the server answered
	await Promise.all(
		editors.map(async (editor, e) => {
			let doc = A.init<Doc>();
			for (let round = 0; round < ROUNDS; round++) {
				const batch: Uint8Array[] = [];
				for (let k = 0; k < PER_CALL; k++) {
					doc = A.change(doc, (d) => {
						d[`e${e}_${round}_${k}`] = e * 1000 + round * 10 + k;
					});
					batch.push(A.getLastLocalChange(doc)!);
				}
				const { data, error } = await editor.client.rpc('push_changes', {
					p_trip_id: tripId,
					p_changes: batch.map(b64),
				});
				expect(error).toBeNull();
				const rows = data as { seq: number; hash: string }[];
				expect(rows.map((r) => r.hash)).toEqual(batch.map(hashOf));
				// A call's seqs are consecutive: one call holds the trip's lock while it appends.
				expect(rows.map((r) => r.seq - rows[0]!.seq)).toEqual([0, 1, 2]);
				for (const r of rows) pushed.set(r.hash, r.seq);
			}
		}),
	);

	const total = CLIENTS * ROUNDS * PER_CALL;
	expect(pushed.size).toBe(total);
	expect([...pushed.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
	expect(await lastSeq(api, tripId)).toBe(total);

	const pulled = await pullAll(owner, tripId, 1000);
	expect(pulled.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
	for (const row of pulled) expect(pushed.get(row.hash)).toBe(row.seq);

	const [merged] = A.applyChanges(
		A.init<Doc>(),
		pulled.map((r) => fromB64(r.data)),
	);
	const expected: Doc = {};
	for (let e = 0; e < CLIENTS; e++)
		for (let round = 0; round < ROUNDS; round++)
			for (let k = 0; k < PER_CALL; k++) expected[`e${e}_${round}_${k}`] = e * 1000 + round * 10 + k;
	expect(A.toJS(merged)).toEqual(expected);
}, 60_000);

test('the same batch retried concurrently by several clients is stored once', async () => {
	const owner = await createUser(api);
	const tripId = await createTrip(owner);
	let doc = A.init<Doc>();
	const batch: Uint8Array[] = [];
	for (let i = 0; i < 5; i++) {
		doc = A.change(doc, (d) => {
			d[`k${i}`] = i;
		});
		batch.push(A.getLastLocalChange(doc)!);
	}
	const results = await Promise.all(
		Array.from({ length: 8 }, () =>
			owner.client.rpc('push_changes', {
				p_trip_id: tripId,
				p_changes: batch.map(b64),
			}),
		),
	);
	for (const r of results) {
		expect(r.error).toBeNull();
		expect((r.data as { seq: number }[]).map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
	}
	expect(await lastSeq(api, tripId)).toBe(5);
}, 30_000);
