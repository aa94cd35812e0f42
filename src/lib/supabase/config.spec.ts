import { describe, expect, test } from 'vitest';
import { DEMO_ANON_KEY } from '../../../supabase/local/keys';
import { DEFAULT_API_PORT } from '../../../supabase/local/stack';
import { LOCAL_SUPABASE_ANON_KEY, LOCAL_SUPABASE_URL, resolveSupabaseConfig } from './config';

describe('resolveSupabaseConfig', () => {
	test('without variables it points at the local stack with its anon key', () => {
		expect(resolveSupabaseConfig({})).toEqual({ url: LOCAL_SUPABASE_URL, anonKey: LOCAL_SUPABASE_ANON_KEY });
	});

	test("the local defaults are the embedded stack's own address and key", () => {
		expect(LOCAL_SUPABASE_URL).toBe(`http://127.0.0.1:${DEFAULT_API_PORT}`);
		expect(LOCAL_SUPABASE_ANON_KEY).toBe(DEMO_ANON_KEY);
	});

	test('variables win over the defaults, and empty ones count as unset', () => {
		expect(
			resolveSupabaseConfig({ PUBLIC_SUPABASE_URL: 'https://abc.supabase.co/', PUBLIC_SUPABASE_ANON_KEY: 'key' }),
		).toEqual({ url: 'https://abc.supabase.co', anonKey: 'key' });
		expect(resolveSupabaseConfig({ PUBLIC_SUPABASE_URL: ' ', PUBLIC_SUPABASE_ANON_KEY: '' })).toEqual({
			url: LOCAL_SUPABASE_URL,
			anonKey: LOCAL_SUPABASE_ANON_KEY,
		});
	});

	test('a URL that is not one is rejected with the variable named', () => {
		expect(() => resolveSupabaseConfig({ PUBLIC_SUPABASE_URL: 'localhost:54321' })).toThrow(/PUBLIC_SUPABASE_URL/);
	});
});
