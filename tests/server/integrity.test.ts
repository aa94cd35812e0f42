/**
 * The trip log as a hostile editor would try it (issue 9, ARCHITECTURE §4 "Integrity"): garbage
 * bodies behind a valid frame, pushes out of causal order, another member's actor, a reused
 * (actor, seq), fabricated snapshots; and authorship the UI can trust.
 */
import * as A from '@automerge/automerge';
import { randomBytes } from 'node:crypto';
import { inflateRawSync, deflateRawSync } from 'node:zlib';
import { beforeEach, describe, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import { createUser, type TestUser } from '../helpers/users.ts';
import {
	addMember,
	b64,
	changeBody,
	createTrip,
	expectError,
	frameChunk,
	fromB64,
	hashOf,
	makeChanges,
	pullAll,
	push,
	storedChangeCount,
} from './helpers.ts';

const api = await startTestStack();

let owner: TestUser;
let editor: TestUser;
let tripId: string;

beforeEach(async () => {
	[owner, editor] = await Promise.all([createUser(api), createUser(api)]);
	tripId = await createTrip(owner);
	await addMember(api, tripId, editor, 'editor');
});

const pushRaw = (user: TestUser, changes: Uint8Array[]) =>
	user.client.rpc('push_changes', { p_trip_id: tripId, p_changes: changes.map(b64) });

describe('a change whose frame and checksum are valid but whose body is not a change is refused', () => {
	/** makeChanges(1)[0]'s body: 0 deps, actor length 16, 16 actor bytes, seq 1, … */
	function firstBody(): Uint8Array {
		const body = changeBody(makeChanges(1, 'body')[0]!);
		expect([body[0], body[1], body[18]]).toEqual([0, 16, 1]);
		return body;
	}
	const cases: [string, () => Uint8Array, RegExp][] = [
		['text instead of a body', () => new TextEncoder().encode('not an automerge change at all!'), /dependencies/],
		['more dependencies than the body holds', () => new Uint8Array([200, ...firstBody().subarray(1)]), /dependencies/],
		['an empty actor', () => new Uint8Array([0, 0, ...firstBody().subarray(18)]), /actor length 0 out of range/],
		[
			'an actor of 65 bytes',
			() => new Uint8Array([0, 65, ...randomBytes(65), ...firstBody().subarray(18)]),
			/actor length 65 out of range/,
		],
		[
			'a seq in padded LEB128 (81 00)',
			() => {
				const b = firstBody();
				return new Uint8Array([...b.subarray(0, 18), 0x81, 0x00, ...b.subarray(19)]);
			},
			/bad seq/,
		],
		[
			'seq 0',
			() => {
				const b = new Uint8Array(firstBody());
				b[18] = 0;
				return b;
			},
			/bad seq/,
		],
		['op columns longer than the body', () => firstBody().subarray(0, firstBody().length - 1), /op columns declare/],
	];
	for (const [what, body, detail] of cases) {
		test(`${what}: 400 22023 "change 1: malformed change", nothing stored`, async () => {
			const good = makeChanges(1, 'good')[0]!;
			const result = await pushRaw(owner, [good, frameChunk(body())]);
			expectError(result, 400, '22023', 'change 1: malformed change');
			expect(result.error!.details).toMatch(detail);
			expect(await storedChangeCount(api, tripId)).toBe(0);
		});
	}

	test('extra bytes after the op columns are accepted, as Automerge accepts them', async () => {
		const withExtra = frameChunk(new Uint8Array([...changeBody(makeChanges(1, 'extra')[0]!), 1, 2, 3]));
		expect(A.toJS(A.applyChanges(A.init(), [withExtra])[0])).toEqual({ extra0: 0 });
		expect(await push(owner, tripId, [withExtra])).toEqual([{ seq: 1, hash: hashOf(withExtra) }]);
	});
});

test('a compressed change chunk (type 2) gets 400 22023 with how to send it; its inflated form is accepted with the same hash', async () => {
	const change = makeChanges(1, 'deflate')[0]!;
	const compressed = frameChunk(deflateRawSync(changeBody(change)), 2, change.subarray(4, 8));
	expect(A.getHeads(A.applyChanges(A.init(), [compressed])[0])).toEqual([hashOf(change)]);
	const refused = await pushRaw(owner, [compressed]);
	expectError(refused, 400, '22023', 'change 0: compressed change chunks are not accepted');
	expect(refused.error!.hint).toMatch(/type 1/);
	expect(await storedChangeCount(api, tripId)).toBe(0);

	// The recipe in docs/server-contract.md: inflate the body, keep the checksum, type 1.
	const inflated = frameChunk(inflateRawSync(compressed.subarray(10)), 1, compressed.subarray(4, 8));
	expect(inflated).toEqual(change);
	expect(await push(owner, tripId, [inflated])).toEqual([{ seq: 1, hash: hashOf(change) }]);
});

describe('the log is causally closed', () => {
	test('a change whose dependency is not in the log gets 409 PT409 naming the hash, stores nothing, and succeeds once pushed in causal order', async () => {
		const [c0, c1, c2] = makeChanges(3);
		expectError(await pushRaw(owner, [c1!]), 409, 'PT409', `change 0: missing dependency ${hashOf(c0!)}`);
		expectError(await pushRaw(owner, [c0!, c2!]), 409, 'PT409', `change 1: missing dependency ${hashOf(c1!)}`);
		// A dependency later in the same call is not "earlier": the call must be in causal order.
		expectError(await pushRaw(owner, [c1!, c0!]), 409, 'PT409', `change 0: missing dependency ${hashOf(c0!)}`);
		expect(await storedChangeCount(api, tripId)).toBe(0);

		expect((await push(owner, tripId, [c0!])).map((r) => r.seq)).toEqual([1]);
		expect((await push(owner, tripId, [c1!, c2!])).map((r) => r.seq)).toEqual([2, 3]);
	});

	test('seq order is a causal order: a fresh replica applying the log in seq order never waits for a dependency', async () => {
		let a = A.from<{ n: Record<string, number> }>({ n: {} });
		let b = A.clone(a);
		await push(owner, tripId, A.getAllChanges(a));
		for (let i = 0; i < 5; i++) {
			a = A.change(a, (d) => {
				d.n[`a${i}`] = i;
			});
			b = A.change(b, (d) => {
				d.n[`b${i}`] = i;
			});
			await push(owner, tripId, [A.getLastLocalChange(a)!]);
			await push(editor, tripId, [A.getLastLocalChange(b)!]);
			if (i === 2) {
				b = A.merge(b, a); // a merge: the editor's next change depends on both branches
			}
		}
		let replica = A.init<{ n: Record<string, number> }>();
		for (const row of await pullAll(editor, tripId)) {
			replica = A.applyChanges(replica, [fromB64(row.data)])[0];
			expect(A.getMissingDeps(replica, [])).toEqual([]);
		}
		expect(A.getHeads(replica)).toEqual(A.getHeads(A.merge(A.clone(a), b)));
	});
});

describe('an actor belongs to the member who first pushed it', () => {
	test("another editor's change under my actor gets 403 42501; my own next change still lands", async () => {
		let mine = A.change(A.init<Record<string, string>>(), (d) => {
			d.by = 'owner';
		});
		await push(owner, tripId, [A.getLastLocalChange(mine)!]);
		// The editor has the document (it is in the log) and makes a change as if it were the owner.
		const forged = A.change(A.load<Record<string, string>>(A.save(mine), { actor: A.getActorId(mine) }), (d) => {
			d.by = 'editor pretending';
		});
		const squat = A.getLastLocalChange(forged)!;
		expect(A.decodeChange(squat)).toMatchObject({ actor: A.getActorId(mine), seq: 2 });
		expectError(await pushRaw(editor, [squat]), 403, '42501', 'change 0: actor belongs to another member');
		expect(await storedChangeCount(api, tripId)).toBe(1);

		mine = A.change(mine, (d) => {
			d.by = 'owner again';
		});
		expect((await push(owner, tripId, [A.getLastLocalChange(mine)!])).map((r) => r.seq)).toEqual([2]);
	});

	test("re-pushing a change that is already in the log is idempotent, whoever's actor it is", async () => {
		const changes = makeChanges(2);
		const first = await push(owner, tripId, changes);
		expect(await push(editor, tripId, changes)).toEqual(first);
		expect(await storedChangeCount(api, tripId)).toBe(2);
	});

	test('the rightful owner reusing a seq with a different change (a replica that lost state) gets 409 23505', async () => {
		const base = A.change(A.init<Record<string, number>>(), (d) => {
			d.x = 1;
		});
		const saved = A.save(base);
		const first = A.getLastLocalChange(base)!; // before A.change moves the document on
		const ahead = A.change(base, (d) => {
			d.x = 2;
		});
		await push(owner, tripId, [first, A.getLastLocalChange(ahead)!]);
		const restored = A.change(A.load<Record<string, number>>(saved, { actor: A.getActorId(base) }), (d) => {
			d.x = 3;
		});
		const reused = A.getLastLocalChange(restored)!;
		expect(A.decodeChange(reused).seq).toBe(2);
		const result = await pushRaw(owner, [reused]);
		expectError(result, 409, '23505', 'change 0: actor seq already used by a different change');
		expect(result.error!.hint).toMatch(/new actor/);
		expect(await storedChangeCount(api, tripId)).toBe(2);
	});
});

describe('heads and snapshots', () => {
	async function snapshot(user: TestUser) {
		const { data, error } = await user.client.rpc('get_snapshot', { p_trip_id: tripId });
		expect(error).toBeNull();
		return (data as { seq: number; data: string; heads: string[] }[])[0]!;
	}
	const putSnapshot = (user: TestUser, seq: number, doc: Uint8Array) =>
		user.client.rpc('put_snapshot', { p_trip_id: tripId, p_seq: seq, p_data: b64(doc) });

	test('put_snapshot records the heads of the log at p_seq, forks included, as A.getHeads sorts them', async () => {
		const base = A.from<Record<string, string>>({ trip: 'Oslo' });
		const a = A.change(A.clone(base), (d) => {
			d.a = 'owner';
		});
		const b = A.change(A.clone(base), (d) => {
			d.b = 'editor';
		});
		await push(owner, tripId, [...A.getAllChanges(a)]);
		expect((await putSnapshot(owner, 2, A.save(a))).error).toBeNull();
		expect((await snapshot(editor)).heads).toEqual(A.getHeads(a));

		await push(editor, tripId, [A.getLastLocalChange(b)!]);
		const merged = A.merge(A.clone(a), b);
		expect(A.getHeads(merged)).toHaveLength(2);
		expect((await putSnapshot(editor, 3, A.save(merged))).error).toBeNull();
		const row = await snapshot(owner);
		expect(row.heads).toEqual(A.getHeads(merged));
		expect(A.getHeads(A.load(fromB64(row.data)))).toEqual(row.heads);
	});

	test('a fabricated snapshot at last_seq is detectable: the loaded document does not have the recorded heads', async () => {
		const doc = A.change(A.from<{ items: string[] }>({ items: [] }), (d) => {
			d.items.push('passport');
		});
		await push(owner, tripId, A.getAllChanges(doc));
		// Valid Automerge, valid frame and checksum, plausible content: not the log.
		const fake = A.change(A.from<{ items: string[] }>({ items: [] }), (d) => {
			d.items.push('nothing to see');
		});
		expect((await putSnapshot(editor, 2, A.save(fake))).error).toBeNull();
		const row = await snapshot(owner);
		expect(row.heads).toEqual(A.getHeads(doc));
		expect(A.getHeads(A.load(fromB64(row.data)))).not.toEqual(row.heads);
	});

	test('heads at an earlier seq, and an empty list at seq 0', async () => {
		const changes = makeChanges(4);
		await push(owner, tripId, changes);
		expect((await putSnapshot(owner, 0, A.save(A.init()))).error).toBeNull();
		expect((await snapshot(owner)).heads).toEqual([]);
		expect((await putSnapshot(owner, 3, A.save(A.init()))).error).toBeNull();
		expect((await snapshot(owner)).heads).toEqual([hashOf(changes[2]!)]);
	});
});

test('pull_changes returns who pushed each change, whatever the document claims', async () => {
	let doc = A.from<{ actors: Record<string, string> }>({ actors: {} });
	await push(owner, tripId, A.getAllChanges(doc));
	doc = A.change(doc, (d) => {
		d.actors[A.getActorId(doc)] = owner.id; // an editor could write anything here
	});
	const theirs = A.change(A.clone(doc), (d) => {
		d.actors.claim = 'I am the owner';
	});
	await push(owner, tripId, [A.getLastLocalChange(doc)!]);
	await push(editor, tripId, [A.getLastLocalChange(theirs)!]);
	const rows = await pullAll(editor, tripId);
	expect(rows.map((r) => [r.seq, r.author_id])).toEqual([
		[1, owner.id],
		[2, owner.id],
		[3, editor.id],
	]);
});
