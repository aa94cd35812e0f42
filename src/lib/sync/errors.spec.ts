import { expect, test } from 'vitest';
import { classifyError } from './errors';

const hex = 'ab'.repeat(32);

test.each([
	[{ status: 0, message: 'TypeError: fetch failed' }, { kind: 'retry' }],
	[{ status: 503, code: 'PGRST002', message: 'database unavailable' }, { kind: 'retry' }],
	[{ status: 500, code: '57014', message: 'canceling statement due to statement timeout' }, { kind: 'retry' }],
	[{ status: 500, code: '55P03', message: 'lock timeout' }, { kind: 'retry' }],
	[{ status: 408, message: 'timeout' }, { kind: 'retry' }],
	[{ status: 429, message: 'slow down' }, { kind: 'retry' }],
	[
		{ status: 409, code: 'PT409', message: `change 3: missing dependency ${hex}` },
		{ kind: 'missing-dependency', hash: hex, index: 3 },
	],
	[
		{ status: 400, code: '22023', message: 'change 2: checksum mismatch' },
		{ kind: 'malformed', index: 2 },
	],
	[
		{ status: 400, code: '22023', message: 'p_changes must be a one-dimensional array' },
		{ kind: 'malformed', index: null },
	],
	[
		{ status: 413, code: 'PT413', message: 'change 0: too large' },
		{ kind: 'too-large', index: 0 },
	],
	[{ status: 401, code: '42501', message: 'not signed in' }, { kind: 'unauthorized' }],
	[
		{ status: 403, code: '42501', message: 'read-only member' },
		{ kind: 'forbidden', reason: 'read-only' },
	],
	[
		{ status: 403, code: '42501', message: 'not a member' },
		{ kind: 'forbidden', reason: 'not-member' },
	],
	[
		{ status: 403, code: '42501', message: 'change 1: actor belongs to another member' },
		{ kind: 'forbidden', reason: 'foreign-actor' },
	],
	[{ status: 400, code: 'P0001', message: 'an owner cannot leave' }, { kind: 'fatal' }],
	[{ status: 404, code: 'PGRST202', message: 'no such function' }, { kind: 'fatal' }],
])('%o is %o', (failure, expected) => {
	expect(classifyError(failure)).toMatchObject(expected);
});
