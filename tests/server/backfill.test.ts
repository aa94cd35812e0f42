/**
 * A trip log written before the integrity migrations (20261202000100 on) is backfilled by them:
 * the stored headers are read, actors are bound to their first author, heads are known, and what
 * the old server let through (an actor squatted, a reused seq, a body that is not a change) is
 * kept — the log is append-only — without breaking the migration or the new guarantees.
 */
import * as A from '@automerge/automerge';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { cloneDatabase, dropDatabase, MIGRATIONS_DIR, prepareDatabase } from '../../supabase/local/migrate.ts';
import { startApi, type ApiHandle } from '../../supabase/local/stack.ts';
import { createUser } from '../helpers/users.ts';
import { b64, createTrip, expectError, frameChunk, hashOf, makeChanges, pullAll, push } from './helpers.ts';

/** The first migration of issue 9; everything before it is "the old server". */
const FIRST_NEW = '20261202000100';

const adminUrl = inject('pgAdminUrl');
const dbName = `backfill_${randomBytes(4).toString('hex')}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
let oldDir: string;
let api: ApiHandle;

beforeAll(async () => {
	oldDir = await mkdtemp(join(tmpdir(), 'tripmate-old-migrations-'));
	for (const f of await readdir(MIGRATIONS_DIR))
		if (f.endsWith('.sql') && f < FIRST_NEW) await copyFile(join(MIGRATIONS_DIR, f), join(oldDir, f));
	await cloneDatabase(adminUrl, 'template1', dbName);
	await prepareDatabase(dbUrl, oldDir);
	api = await startApi({ databaseUrl: dbUrl, port: 0 });
});

afterAll(async () => {
	await api?.close();
	await dropDatabase(adminUrl, dbName);
	await rm(oldDir, { recursive: true, force: true });
});

test('the old log is kept whole and gains deps, actors, heads and authorship', async () => {
	const [owner, editor] = [await createUser(api), await createUser(api)];
	const tripId = await createTrip(owner);
	await api.pool.query(`insert into public.trip_members (trip_id, user_id, role) values ($1, $2, 'editor')`, [
		tripId,
		editor.id,
	]);

	// Through the old push_changes, which checked frame and checksum only.
	let doc = A.from<Record<string, string>>({ trip: 'Oslo' });
	const honest = [A.getLastLocalChange(doc)!];
	doc = A.change(doc, (d) => {
		d.day1 = 'museum';
	});
	honest.push(A.getLastLocalChange(doc)!);
	await push(owner, tripId, honest); // seq 1, 2
	const squat = A.getLastLocalChange(
		A.change(A.load<Record<string, string>>(A.save(doc), { actor: A.getActorId(doc) }), (d) => {
			d.day2 = 'forged';
		}),
	)!;
	await push(editor, tripId, [squat]); // seq 3: the owner's actor, seq 3, by the editor
	const garbage = frameChunk(new TextEncoder().encode('not an automerge change at all!'));
	await push(editor, tripId, [garbage]); // seq 4
	const theirs = makeChanges(2, 'editor');
	await push(editor, tripId, theirs); // seq 5, 6: the editor's own actor
	const reused = A.getLastLocalChange(
		A.change(A.load<Record<string, string>>(A.save(doc), { actor: A.getActorId(doc) }), (d) => {
			d.day2 = 'also seq 3';
		}),
	)!;
	await push(owner, tripId, [reused]); // seq 7: the owner's actor, seq 3 again
	await owner.client.rpc('put_snapshot', { p_trip_id: tripId, p_seq: 2, p_data: b64(A.save(doc)) });
	const before = (await api.pool.query('select seq, hash, data, author_id from public.trip_changes order by seq')).rows;

	await prepareDatabase(dbUrl);
	// Restarted: PostgREST's schema cache would hold the old functions' result columns.
	await api.stop();
	await api.start();

	const after = (
		await api.pool.query(
			`select seq, hash, data, author_id, encode(actor, 'hex') as actor, actor_seq,
			        array(select encode(d, 'hex') from unnest(deps) d) as deps
			 from public.trip_changes order by seq`,
		)
	).rows;
	expect(after.map(({ seq, hash, data, author_id }) => ({ seq, hash, data, author_id }))).toEqual(before);
	const ownerActor = A.getActorId(doc);
	expect(after.map((r) => [r.actor, r.actor_seq])).toEqual([
		[ownerActor, '1'],
		[ownerActor, '2'],
		[ownerActor, '3'],
		[null, null], // not a change: kept, served, never a head or a dependency
		[A.decodeChange(theirs[0]!).actor, '1'],
		[A.decodeChange(theirs[1]!).actor, '2'],
		[ownerActor, null], // the second (actor, seq 3): kept, out of the unique constraint
	]);
	expect(after[1]!.deps).toEqual([hashOf(honest[0]!)]);

	// Authorship for every old row; the old snapshot gains the heads of the log at its seq.
	expect((await pullAll(owner, tripId)).map((r) => r.author_id)).toEqual(before.map((r) => r.author_id));
	const { data: snap } = await owner.client.rpc('get_snapshot', { p_trip_id: tripId });
	expect(snap[0].heads).toEqual([hashOf(honest[1]!)]);

	// The owner's actor stays bound to its first author, the owner: the editor's squat cannot go on…
	const editorDoc = () => A.save(A.applyChanges(A.init<Record<string, string>>(), theirs)[0]);
	const forged = A.getLastLocalChange(
		A.change(A.load<Record<string, string>>(editorDoc(), { actor: ownerActor }), (d) => {
			d.again = 'forged';
		}),
	)!;
	expectError(
		await editor.client.rpc('push_changes', { p_trip_id: tripId, p_changes: [b64(forged)] }),
		403,
		'42501',
		'change 0: actor belongs to another member',
	);
	// …while the editor's own actor goes on, with a dependency on backfilled rows.
	const editorNext = A.getLastLocalChange(
		A.change(A.load<Record<string, string>>(editorDoc(), { actor: A.decodeChange(theirs[0]!).actor }), (d) => {
			d.more = 'editor';
		}),
	)!;
	expect(A.decodeChange(editorNext)).toMatchObject({ seq: 3, deps: [hashOf(theirs[1]!)] });
	expect((await push(editor, tripId, [editorNext])).map((r) => r.seq)).toEqual([8]);
}, 60_000);
