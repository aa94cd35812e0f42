import type pg from 'pg';

/**
 * Passwords are bcrypt-hashed by pgcrypto, as GoTrue hashes them (Go's bcrypt, `$2a$`, cost 10).
 *
 * @remarks
 * Why pgcrypto rather than node:crypto scrypt: auth.users stays interchangeable with a hosted
 * project's. Users dumped from Supabase sign in here, users created here survive a `pg_dump` into
 * real GoTrue, and the common seed-file idiom
 * `encrypted_password = extensions.crypt('password', extensions.gen_salt('bf'))` just works.
 * Hashing runs in Postgres, so it costs no event-loop time in the API process.
 */
const BCRYPT_COST = 10;

type Db = pg.Pool | pg.PoolClient;

export async function hashPassword(db: Db, password: string): Promise<string> {
	const { rows } = await db.query<{ hash: string }>(
		`select extensions.crypt($1, extensions.gen_salt('bf', ${BCRYPT_COST})) as hash`,
		[password],
	);
	return rows[0]!.hash;
}

/**
 * True when `password` matches `hash`. A hash pgcrypto cannot read (another algorithm, a broken
 * seed value) is a mismatch, never an error. Must not run inside a transaction: a rejected hash
 * raises, which would abort it.
 */
export async function verifyPassword(db: pg.Pool, password: string, hash: string | null): Promise<boolean> {
	if (!hash || !/^\$2[aby]\$\d\d\$/.test(hash)) return false;
	// pgcrypto only knows the `$2a$` spelling; `$2b$`/`$2y$` hashes are the same algorithm.
	const normalized = '$2a$' + hash.slice(4);
	try {
		const { rows } = await db.query<{ match: boolean }>('select extensions.crypt($1, $2) = $2 as match', [
			password,
			normalized,
		]);
		return rows[0]?.match === true;
	} catch (err) {
		// 22023 "invalid salt": not a hash pgcrypto can check.
		if ((err as { code?: string }).code === '22023') return false;
		throw err;
	}
}
