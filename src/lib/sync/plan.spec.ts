import { describe, expect, test } from 'vitest';
import {
	backoffDelay,
	causalOrder,
	chooseCatchUp,
	planPushBatches,
	sameHeads,
	shouldUploadSnapshot,
	MAX_PUSH_BYTES,
	MAX_PUSH_CHANGES,
	type OutboxChange,
} from './plan';

const change = (hash: string, deps: string[] = [], size = 10): OutboxChange => ({
	hash,
	deps,
	bytes: new Uint8Array(size),
});

describe('causalOrder', () => {
	test('puts every change after its dependencies in the set, keeping the given order otherwise', () => {
		const c = change('c', ['b']);
		const b = change('b', ['a']);
		const a = change('a', ['outside']);
		const x = change('x');
		expect(causalOrder([c, x, b, a]).map((e) => e.hash)).toEqual(['a', 'b', 'c', 'x']);
	});
	test('keeps each change once, even with shared dependencies', () => {
		const a = change('a');
		const b = change('b', ['a']);
		const c = change('c', ['a', 'b']);
		expect(causalOrder([c, b, a, c]).map((e) => e.hash)).toEqual(['a', 'b', 'c']);
	});
});

describe('planPushBatches', () => {
	test('cuts at 1,000 change sets', () => {
		const many = Array.from({ length: 2500 }, (_, i) => change(`h${i}`, i ? [`h${i - 1}`] : []));
		const batches = planPushBatches(many);
		expect(batches.map((b) => b.length)).toEqual([MAX_PUSH_CHANGES, MAX_PUSH_CHANGES, 500]);
		expect(batches.flat().map((c) => c.hash)).toEqual(many.map((c) => c.hash));
	});
	test('cuts at 4 MiB and gives an oversized change a batch of its own', () => {
		const mib = 1024 * 1024;
		const batches = planPushBatches([
			change('a', [], mib),
			change('b', [], 3 * mib),
			change('c', [], 5 * mib),
			change('d'),
		]);
		expect(batches.map((b) => b.map((c) => c.hash))).toEqual([['a', 'b'], ['c'], ['d']]);
		for (const b of batches.filter((b) => b.length > 1))
			expect(b.reduce((n, c) => n + c.bytes.byteLength, 0)).toBeLessThanOrEqual(MAX_PUSH_BYTES);
	});
	test('an empty outbox plans no push', () => {
		expect(planPushBatches([])).toEqual([]);
	});
	test('a dependency lands in an earlier batch than its dependent', () => {
		const dep = change('dep');
		const batches = planPushBatches(
			[change('late', ['dep']), ...Array.from({ length: 3 }, (_, i) => change(`f${i}`)), dep],
			{
				maxChanges: 2,
				maxBytes: Infinity,
			},
		);
		const where = (h: string) => batches.findIndex((b) => b.some((c) => c.hash === h));
		expect(where('dep')).toBeLessThanOrEqual(where('late'));
		expect(batches.flat().findIndex((c) => c.hash === 'dep')).toBeLessThan(
			batches.flat().findIndex((c) => c.hash === 'late'),
		);
	});
});

describe('chooseCatchUp', () => {
	test('snapshot when it covers at least 500 change sets we lack, tail otherwise, none when current', () => {
		expect(chooseCatchUp({ cursor: 0, lastSeq: 10_000, snapshotSeq: 9_990 })).toBe('snapshot');
		expect(chooseCatchUp({ cursor: 9_600, lastSeq: 10_000, snapshotSeq: 9_990 })).toBe('tail');
		expect(chooseCatchUp({ cursor: 0, lastSeq: 10_000, snapshotSeq: 0 })).toBe('tail');
		expect(chooseCatchUp({ cursor: 10_000, lastSeq: 10_000, snapshotSeq: 9_990 })).toBe('none');
	});
});

describe('shouldUploadSnapshot', () => {
	const base = { cursor: 600, serverSnapshotSeq: 0, bytesSinceSnapshot: 0, holdsExactlyLog: true };
	test('after 500 changes or 256 KiB past the last snapshot, when the document is exactly the log', () => {
		expect(shouldUploadSnapshot(base)).toBe(true);
		expect(shouldUploadSnapshot({ ...base, cursor: 100 })).toBe(false);
		expect(shouldUploadSnapshot({ ...base, cursor: 100, bytesSinceSnapshot: 300 * 1024 })).toBe(true);
		expect(shouldUploadSnapshot({ ...base, holdsExactlyLog: false })).toBe(false);
		expect(shouldUploadSnapshot({ ...base, serverSnapshotSeq: 600 })).toBe(false);
	});
});

test('backoffDelay grows exponentially up to the cap, with jitter inside the bounds', () => {
	expect(backoffDelay(0, 0)).toBe(250);
	expect(backoffDelay(0, 1)).toBe(500);
	expect(backoffDelay(3, 1)).toBe(4000);
	expect(backoffDelay(20, 1)).toBe(30_000);
	for (let i = 0; i < 50; i++) {
		const d = backoffDelay(4, Math.random());
		expect(d).toBeGreaterThanOrEqual(250);
		expect(d).toBeLessThanOrEqual(8000);
	}
});

test('sameHeads ignores order', () => {
	expect(sameHeads(['a', 'b'], ['b', 'a'])).toBe(true);
	expect(sameHeads(['a'], ['a', 'b'])).toBe(false);
	expect(sameHeads(['a', 'c'], ['a', 'b'])).toBe(false);
});
