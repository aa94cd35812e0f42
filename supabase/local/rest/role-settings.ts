import type pg from 'pg';

/** Settings per role, in the order PostgREST applies them. */
export type RoleSettings = ReadonlyMap<string, readonly [name: string, value: string][]>;

/**
 * `SET ROLE` does not apply a role's `ALTER ROLE … SET` settings (only login does), so PostgREST
 * reads the settings of every role its login role may switch to and applies the switched-to
 * role's in each request's transaction (v11.1+, "impersonated role settings"): that is how
 * hosted's `anon` 3 s and `authenticated` 8 s statement timeouts take effect. Only settings a
 * plain role may change are applied (as there: others would fail the request).
 */
export async function loadRoleSettings(db: Pick<pg.Pool, 'query'>): Promise<RoleSettings> {
	const { rows } = await db.query<{ role: string; name: string; value: string }>(
		`select r.rolname as role, split_part(kv, '=', 1) as name, substr(kv, strpos(kv, '=') + 1) as value
		 from pg_auth_members m
		 join pg_roles r on r.oid = m.roleid
		 cross join lateral unnest(r.rolconfig) with ordinality as c (kv, n)
		 where m.member = current_user::regrole
		   and split_part(kv, '=', 1) in (select s.name from pg_settings s where s.context = 'user')
		 order by r.rolname, c.n`,
	);
	const settings = new Map<string, [string, string][]>();
	for (const { role, name, value } of rows) {
		const list = settings.get(role) ?? [];
		list.push([name, value]);
		settings.set(role, list);
	}
	return settings;
}

const cache = new WeakMap<pg.Pool, Promise<RoleSettings>>();

/** Loaded once per pool (PostgREST loads them with its schema cache); a failed load is retried. */
export function roleSettingsOf(pool: pg.Pool): Promise<RoleSettings> {
	let loading = cache.get(pool);
	if (!loading) {
		loading = loadRoleSettings(pool);
		loading.catch(() => cache.delete(pool));
		cache.set(pool, loading);
	}
	return loading;
}
