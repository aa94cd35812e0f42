/**
 * Collaboration benchmark (suite `collab`): presence of a new member visible to the others on the
 * real stack (supabase-js clients in Node through the engine's TripServer, so presence shares the
 * trip channel with the hints exactly as in the app), and the incremental conflicts / "what
 * changed" update for a remote change on a 1,000-item trip.
 *   npm run bench -- collab
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { presentPeople, supabaseTripServer } from '../src/lib/sync/index.ts';
import { startTestApi, startTestCluster } from '../supabase/local/testing.ts';
import type { ApiHandle } from '../supabase/local/stack.ts';
import { incrementalFigures } from './collab-incremental.ts';
import { isMain, ms, printFigures, recordSuite, summarize } from './lib.ts';

const JOINS = 30;

async function person(api: ApiHandle): Promise<{ id: string; client: SupabaseClient }> {
	const client = createClient(api.url, api.config.anonKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		realtime: { transport: WebSocket as never },
	});
	const { data, error } = await client.auth.signInAnonymously();
	if (error || !data.user) throw new Error(`sign-in: ${error?.message}`);
	return { id: data.user.id, client };
}

/**
 * Two members watch the trip; each round a new member joins the channel and declares itself. Two
 * figures: from its `track` (channel already joined) and from opening the channel at all.
 */
async function presenceFigures(api: ApiHandle): Promise<Record<string, number>> {
	const owner = await person(api);
	const tripId = randomUUID();
	const { error } = await owner.client.rpc('create_trip', { p_trip_id: tripId, p_name: 'Presence bench' });
	if (error) throw new Error(error.message);
	const watchers = [owner, await person(api)];
	await api.pool.query('insert into public.trip_members (trip_id, user_id, role) values ($1, $2, $3)', [
		tripId,
		watchers[1]!.id,
		'editor',
	]);
	const waiting = new Map<string, () => void>();
	const seen = watchers.map(() => new Set<string>());
	const subs = watchers.map((w, i) =>
		supabaseTripServer(w.client).presence!(tripId, (state) => {
			seen[i] = new Set(presentPeople(state).map((p) => p.userId));
			for (const [id, done] of waiting) {
				if (!seen.every((s) => s.has(id))) continue;
				waiting.delete(id);
				done();
			}
		}),
	);
	subs.forEach((s, i) => s.track({ user_id: watchers[i]!.id, editing: null, at: Date.now() }));
	const visibleToAll = (id: string) =>
		new Promise<void>((resolve, reject) => {
			if (seen.every((s) => s.has(id))) return resolve();
			const timer = setTimeout(() => reject(new Error(`presence of ${id} never seen`)), 10_000);
			waiting.set(id, () => (clearTimeout(timer), resolve()));
		});
	const fromTrack: number[] = [];
	const fromJoin: number[] = [];
	for (let i = 0; i < JOINS; i++) {
		const joiner = await person(api);
		await api.pool.query('insert into public.trip_members (trip_id, user_id, role) values ($1, $2, $3)', [
			tripId,
			joiner.id,
			i % 2 ? 'viewer' : 'editor',
		]);
		const t0 = performance.now();
		let joinedAt = 0;
		const server = supabaseTripServer(joiner.client);
		let hints: { close(): Promise<void> } | null = null;
		const joined = new Promise<void>((resolve) => {
			hints = server.hints(tripId, (h) => {
				if (h.kind !== 'joined') return;
				joinedAt = performance.now();
				resolve();
			});
		});
		const sub = server.presence!(tripId, () => {});
		await joined;
		const visible = visibleToAll(joiner.id);
		sub.track({ user_id: joiner.id, editing: null, at: Date.now() });
		await visible;
		const t1 = performance.now();
		fromTrack.push(t1 - joinedAt);
		fromJoin.push(t1 - t0);
		await sub.close();
		await hints!.close();
	}
	await Promise.all(subs.map((s) => s.close()));
	for (const w of watchers) await w.client.removeAllChannels();
	const track = summarize(fromTrack);
	const join = summarize(fromJoin);
	return {
		presence_visible_p50_ms: track.p50,
		presence_visible_p95_ms: track.p95,
		presence_join_visible_p50_ms: join.p50,
		presence_join_visible_p95_ms: join.p95,
	};
}

export async function run(): Promise<void> {
	const doc = incrementalFigures();
	const cluster = await startTestCluster();
	const api = await startTestApi(cluster);
	let presence: Record<string, number> = {};
	try {
		presence = await presenceFigures(api);
	} finally {
		await api.close();
		await cluster.stop();
	}
	const r = { ...presence, ...doc };
	printFigures('collab', [
		{
			name: 'presence_visible_p50_ms',
			value: ms(r.presence_visible_p50_ms ?? NaN),
			target: '≤ 100 ms',
			met: (r.presence_visible_p50_ms ?? Infinity) <= 100,
		},
		{ name: 'presence_visible_p95_ms', value: ms(r.presence_visible_p95_ms ?? NaN) },
		{ name: 'presence_join_visible_p50_ms', value: ms(r.presence_join_visible_p50_ms ?? NaN) },
		{ name: 'presence_join_visible_p95_ms', value: ms(r.presence_join_visible_p95_ms ?? NaN) },
		{
			name: 'remote_change_update_p50_ms (1,000 items)',
			value: ms(r.remote_change_update_p50_ms),
			target: '≤ 16 ms',
			met: r.remote_change_update_p50_ms <= 16,
		},
		{ name: 'remote_change_update_p95_ms (1,000 items)', value: ms(r.remote_change_update_p95_ms) },
		{ name: 'conflicts_full_scan_ms (getConflicts, replaced)', value: ms(r.conflicts_full_scan_ms) },
		{ name: 'changed_full_scan_ms (itemsChangedSince, replaced)', value: ms(r.changed_full_scan_ms) },
	]);
	await recordSuite('collab', r as unknown as Record<string, number>);
}

if (isMain(import.meta.url)) await run();
