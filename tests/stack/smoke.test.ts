import { expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';

const api = await startTestStack();

test('the test database has the platform schema', async () => {
	const { rows } = await api.pool.query(
		"select to_regclass('realtime.messages') as t, to_regprocedure('auth.uid()') as f",
	);
	expect(rows[0]).toEqual({ t: 'realtime.messages', f: 'auth.uid()' });
});
