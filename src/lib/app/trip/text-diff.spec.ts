import { describe, expect, test } from 'vitest';
import { applySplice, spliceBetween, transformOffset } from './text-diff';

describe('spliceBetween', () => {
	test('finds a typed character, a deletion and a replaced word', () => {
		expect(spliceBetween('helo', 'hello')).toEqual({ index: 3, deleteCount: 0, insert: 'l' });
		expect(spliceBetween('hello', 'hllo')).toEqual({ index: 1, deleteCount: 1, insert: '' });
		expect(spliceBetween('a cat sat', 'a dog sat')).toEqual({ index: 2, deleteCount: 3, insert: 'dog' });
		expect(spliceBetween('same', 'same')).toBeNull();
	});

	test('applying the splice gives the new text, for repeated characters too', () => {
		for (const [a, b] of [
			['aaa', 'aaaa'],
			['', 'x'],
			['abcabc', 'abc'],
			['xyz', ''],
		] as const) {
			const s = spliceBetween(a, b);
			expect(s && applySplice(a, s)).toBe(b);
		}
	});
});

describe('transformOffset', () => {
	const remote = { index: 2, deleteCount: 0, insert: 'XYZ' };
	test('a caret before a remote insert stays; after it, it moves with the text', () => {
		expect(transformOffset(1, remote)).toBe(1);
		expect(transformOffset(2, remote)).toBe(2);
		expect(transformOffset(5, remote)).toBe(8);
	});
	test('a caret inside a removed range goes to where the range was', () => {
		expect(transformOffset(3, { index: 1, deleteCount: 4, insert: '' })).toBe(1);
		expect(transformOffset(9, { index: 1, deleteCount: 4, insert: '' })).toBe(5);
	});
});
