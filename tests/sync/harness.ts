/**
 * Devices, people and convergence checks for the sync engine's scenarios. Each device is a real
 * TripSync (automerge-repo Repo over fake-indexeddb, Node's BroadcastChannel between a user's
 * tabs) talking to the local stack through supabase-js as a real signed-in (anonymous) user.
 * Several devices live in one process; `scope` keeps their databases and channels apart.
 */
import 'fake-indexeddb/auto';
import * as A from '@automerge/automerge';
import type { SupabaseClient } from '@supabase/supabase-js';
import { expect } from 'vitest';
import { TripSync, type TripSyncOptions } from '../../src/lib/sync/index.ts';
import { clientFor, eventually, type TestApi } from '../helpers/stack.ts';

export interface Person {
	id: string;
	client: SupabaseClient;
	/** A new supabase-js client with this person's session (another tab's or device's client). */
	anotherClient(fetchImpl?: typeof fetch): Promise<SupabaseClient>;
}

export async function signIn(api: TestApi, fetchImpl?: typeof fetch): Promise<Person> {
	const client = clientFor(api, api.config.anonKey, fetchImpl ? { global: { fetch: fetchImpl } } : {});
	const { data, error } = await client.auth.signInAnonymously();
	expect(error).toBeNull();
	const session = data.session!;
	return {
		id: session.user.id,
		client,
		async anotherClient(f) {
			const other = clientFor(api, api.config.anonKey, f ? { global: { fetch: f } } : {});
			const { error: e } = await other.auth.setSession({
				access_token: session.access_token,
				refresh_token: session.refresh_token,
			});
			expect(e).toBeNull();
			return other;
		},
	};
}

let devices = 0;
const running: TripSync[] = [];

/** A switch in front of a device's fetch: off, every request fails as with no network. */
export class NetworkSwitch {
	up = true;
	/** Set to drop the response of the next call whose body matches (after the server handled it). */
	loseResponseOf: RegExp | null = null;
	/** Called once, as the next request matching `during.url` leaves (e.g. to stop the API under it). */
	during: { url: RegExp; run: () => unknown } | null = null;
	readonly fetch: typeof fetch = async (input, init) => {
		if (!this.up) throw new TypeError('fetch failed (network switched off)');
		const url = String(input instanceof Request ? input.url : input);
		const lose = this.loseResponseOf && this.loseResponseOf.test(url);
		const pending = fetch(input, init);
		if (this.during?.url.test(url)) {
			const { run } = this.during;
			this.during = null;
			void run();
		}
		const response = await pending;
		if (lose) {
			this.loseResponseOf = null;
			await response.arrayBuffer();
			throw new TypeError('fetch failed (response lost)');
		}
		return response;
	};
}

export interface Device {
	sync: TripSync;
	client: SupabaseClient;
	person: Person;
	scope: string;
	net: NetworkSwitch;
}

/** A device (or, with the same `scope`, another tab of one) for `person`. */
export async function startDevice(
	person: Person,
	{
		scope = `dev${++devices}:`,
		net = new NetworkSwitch(),
		client,
		...options
	}: Partial<TripSyncOptions> & { scope?: string; net?: NetworkSwitch; client?: SupabaseClient } = {},
): Promise<Device> {
	const supabase = client ?? (await person.anotherClient(net.fetch));
	const sync = await TripSync.start({
		userId: person.id,
		supabase,
		scope,
		intervalMs: 0,
		storage: null,
		windowEvents: false,
		retry: { baseMs: 30, capMs: 300, breakerThreshold: 1_000 },
		...options,
	});
	running.push(sync);
	return { sync, client: supabase, person, scope, net };
}

export async function stopDevice(device: Device): Promise<void> {
	const i = running.indexOf(device.sync);
	if (i >= 0) running.splice(i, 1);
	await device.sync.shutdown();
}

export async function stopAllDevices(): Promise<void> {
	await Promise.all(running.splice(0).map((s) => s.shutdown().catch(() => {})));
}

export type Doc = Record<string, unknown>;

export function docOf(device: Device, tripId: string): A.Doc<Doc> {
	const handle = device.sync.repo.handles[tripHandleId(device, tripId)];
	if (!handle) throw new Error(`trip ${tripId} is not open on ${device.scope}`);
	return handle.doc() as A.Doc<Doc>;
}

function tripHandleId(device: Device, tripId: string) {
	const entry = Object.entries(device.sync.repo.handles).find(([, h]) => h.documentId && hasTrip(h, tripId));
	return (entry?.[0] ?? '') as keyof typeof device.sync.repo.handles;
}
const hasTrip = (h: { documentId: string }, tripId: string) => h.documentId === docIdOf(tripId);

import { tripIdToDocumentId, type TripId } from '../../src/lib/trip/ids.ts';
const docIdOf = (tripId: string) => tripIdToDocumentId(tripId as TripId);

/** Every change hash in a document. */
export const hashesOf = (doc: A.Doc<unknown>): string[] => A.getChangesMetaSince(doc, []).map((m) => m.hash);

export async function serverHashes(api: TestApi, tripId: string): Promise<Set<string>> {
	const { rows } = await api.pool.query<{ h: string }>(
		`select encode(hash, 'hex') as h from public.trip_changes where trip_id = $1`,
		[tripId],
	);
	return new Set(rows.map((r) => r.h));
}

/**
 * Waits until every device holds the same document (same heads and content) and the server log
 * holds every change any of them has: the two things every scenario promises.
 */
export async function expectConverged(api: TestApi, tripId: string, devs: Device[], timeoutMs = 15_000) {
	await eventually(
		async () => {
			for (const d of devs) await d.sync.syncNow(tripId);
			const docs = devs.map((d) => docOf(d, tripId));
			const heads = docs.map((d) => [...A.getHeads(d)].sort().join());
			if (new Set(heads).size !== 1) return false;
			const server = await serverHashes(api, tripId);
			return docs.every((d) => hashesOf(d).every((h) => server.has(h)));
		},
		`${devs.length} devices to converge on trip ${tripId} with every change in the log`,
		timeoutMs,
	);
	const first = A.toJS(docOf(devs[0]!, tripId));
	for (const d of devs.slice(1)) expect(A.toJS(docOf(d, tripId))).toEqual(first);
	return first;
}

/** Makes `person` a member of the trip directly (invites have their own tests). */
export async function addMember(api: TestApi, tripId: string, person: Person, role: 'editor' | 'viewer' | 'owner') {
	await api.pool.query('insert into public.trip_members (trip_id, user_id, role) values ($1, $2, $3)', [
		tripId,
		person.id,
		role,
	]);
}

export { eventually };
