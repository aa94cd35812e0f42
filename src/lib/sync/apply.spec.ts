import * as A from '@automerge/automerge';
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { applyWithBisection } from './apply';
import { changeHash, fromBase64, toBase64 } from './bytes';

function changes(n: number): Uint8Array[] {
	let doc = A.init<Record<string, number>>();
	const out: Uint8Array[] = [];
	for (let i = 0; i < n; i++) {
		doc = A.change(doc, (d) => {
			d[`k${i}`] = i;
		});
		out.push(A.getLastLocalChange(doc)!);
	}
	return out;
}

/** Valid header and checksum, junk body: passes the server's checks, not Automerge's parser. */
function garbage(): Uint8Array {
	const body = Buffer.concat([Buffer.from([1, 12]), Buffer.from('not a change')]);
	const sum = createHash('sha256').update(body).digest().subarray(0, 4);
	return new Uint8Array(Buffer.concat([Buffer.from([0x85, 0x6f, 0x4a, 0x83]), sum, body]));
}

test('a clean batch is applied at once', () => {
	const all = changes(50);
	const { doc, rejected } = applyWithBisection(A.init<Record<string, number>>(), all);
	expect(rejected).toEqual([]);
	expect(Object.keys(doc)).toHaveLength(50);
});

test('bisection sets aside exactly the changes Automerge cannot parse and applies all the rest', () => {
	const all: Uint8Array[] = changes(40);
	all.splice(7, 0, garbage());
	all.splice(30, 0, garbage());
	const { doc, rejected } = applyWithBisection(A.init<Record<string, number>>(), all);
	expect(rejected.map((r) => r.index)).toEqual([7, 30]);
	expect(Object.keys(doc)).toHaveLength(40);
	expect(A.getMissingDeps(doc, [])).toEqual([]);
});

test('the change hash computed from the bytes is Automerge’s', async () => {
	for (const c of changes(3)) expect(await changeHash(c)).toBe(A.decodeChange(c).hash);
	expect(await changeHash(new Uint8Array(3))).toBeNull();
});

test('base64 round-trips large arrays and rejects text that is not base64', () => {
	const big = new Uint8Array(70_000).map((_, i) => i % 251);
	expect(fromBase64(toBase64(big))).toEqual(big);
	expect(toBase64(big)).toBe(Buffer.from(big).toString('base64'));
	expect(fromBase64('not base64!')).toBeNull();
});
