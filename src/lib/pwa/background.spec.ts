import { describe, expect, test } from 'vitest';
import { activeMechanism } from './background';

describe('activeMechanism: periodic → background → window events → manual', () => {
	const on = { enabled: true, minIntervalMs: 1 };
	const off = { enabled: false, minIntervalMs: 1 };
	test.each([
		[{ periodic: true, background: true }, on, true, 'periodic'],
		[{ periodic: true, background: true }, off, true, 'background'],
		[{ periodic: false, background: true }, on, true, 'background'],
		[{ periodic: false, background: false }, on, true, 'events'],
		[{ periodic: false, background: false }, off, false, 'manual'],
	] as const)('%o, catch-up %o, window %s → %s', (support, setting, windowEvents, expected) => {
		expect(activeMechanism(support, setting, windowEvents)).toBe(expected);
	});
});
