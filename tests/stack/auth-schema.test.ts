import { expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';

/**
 * auth.users as GoTrue's migrations leave it on a hosted project: seed files, triggers and
 * queries written against hosted find every column they name, with the same type and nullability.
 */
const api = await startTestStack();

/** Hosted's auth.users: column, type, nullable (supabase/auth migrations, 2026). */
const HOSTED_USERS: [string, string, 'YES' | 'NO'][] = [
	['instance_id', 'uuid', 'YES'],
	['id', 'uuid', 'NO'],
	['aud', 'character varying', 'YES'],
	['role', 'character varying', 'YES'],
	['email', 'character varying', 'YES'],
	['encrypted_password', 'character varying', 'YES'],
	['email_confirmed_at', 'timestamp with time zone', 'YES'],
	['invited_at', 'timestamp with time zone', 'YES'],
	['confirmation_token', 'character varying', 'YES'],
	['confirmation_sent_at', 'timestamp with time zone', 'YES'],
	['recovery_token', 'character varying', 'YES'],
	['recovery_sent_at', 'timestamp with time zone', 'YES'],
	['email_change_token_new', 'character varying', 'YES'],
	['email_change', 'character varying', 'YES'],
	['email_change_sent_at', 'timestamp with time zone', 'YES'],
	['last_sign_in_at', 'timestamp with time zone', 'YES'],
	['raw_app_meta_data', 'jsonb', 'YES'],
	['raw_user_meta_data', 'jsonb', 'YES'],
	['is_super_admin', 'boolean', 'YES'],
	['created_at', 'timestamp with time zone', 'YES'],
	['updated_at', 'timestamp with time zone', 'YES'],
	['phone', 'text', 'YES'],
	['phone_confirmed_at', 'timestamp with time zone', 'YES'],
	['phone_change', 'text', 'YES'],
	['phone_change_token', 'character varying', 'YES'],
	['phone_change_sent_at', 'timestamp with time zone', 'YES'],
	['confirmed_at', 'timestamp with time zone', 'YES'],
	['email_change_token_current', 'character varying', 'YES'],
	['email_change_confirm_status', 'smallint', 'YES'],
	['banned_until', 'timestamp with time zone', 'YES'],
	['reauthentication_token', 'character varying', 'YES'],
	['reauthentication_sent_at', 'timestamp with time zone', 'YES'],
	['is_sso_user', 'boolean', 'NO'],
	['deleted_at', 'timestamp with time zone', 'YES'],
	['is_anonymous', 'boolean', 'NO'],
];

test("auth.users has every column of hosted's, with its type and nullability", async () => {
	const { rows } = await api.pool.query<{ column_name: string; data_type: string; is_nullable: 'YES' | 'NO' }>(
		`select column_name, data_type, is_nullable from information_schema.columns
		 where table_schema = 'auth' and table_name = 'users' order by ordinal_position`,
	);
	expect(rows.map((r) => [r.column_name, r.data_type, r.is_nullable])).toEqual(HOSTED_USERS);
});

test('a seed row that names only what hosted requires is accepted, and GoTrue-style defaults fill the rest', async () => {
	const id = '5eed0000-0000-4000-8000-000000000001';
	await api.pool.query(
		`insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
		 values ($1, 'authenticated', 'authenticated', 'seed@example.com', null, null, null, null)`,
		[id],
	);
	const { rows } = await api.pool.query(
		`select is_anonymous, is_sso_user, phone_change, reauthentication_token, email_change_confirm_status, deleted_at
		 from auth.users where id = $1`,
		[id],
	);
	expect(rows[0]).toEqual({
		is_anonymous: false,
		is_sso_user: false,
		phone_change: '',
		reauthentication_token: '',
		email_change_confirm_status: 0,
		deleted_at: null,
	});
});

test("auth's tables belong to GoTrue's role, and the API cannot reach them through /rest/v1", async () => {
	const { rows } = await api.pool.query(
		`select distinct pg_get_userbyid(c.relowner) as owner from pg_class c
		 where c.relnamespace = 'auth'::regnamespace and c.relkind = 'r'`,
	);
	expect(rows).toEqual([{ owner: 'supabase_auth_admin' }]);
	const { data, error, status } = await clientFor(api, api.config.serviceRoleKey)
		.schema('auth')
		.from('users')
		.select('*');
	expect(data).toBeNull();
	expect(status).toBe(406);
	expect(error?.code).toBe('PGRST106');
});
