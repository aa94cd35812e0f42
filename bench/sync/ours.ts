/** Our side of the sync benchmark: TripSync devices against the embedded stack. */
import 'fake-indexeddb/auto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { ApiHandle } from '../../supabase/local/stack.ts';
import { TripSync } from '../../src/lib/sync/index.ts';
import { WireMeter } from './meter.ts';

export interface BenchPerson {
	id: string;
	meter: WireMeter;
	client: SupabaseClient;
}

let scopes = 0;

export async function person(api: ApiHandle): Promise<BenchPerson> {
	const meter = new WireMeter();
	const client = createClient(api.url, api.config.anonKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		realtime: { transport: meter.WebSocket as never },
		global: { fetch: meter.fetch },
	});
	const { data, error } = await client.auth.signInAnonymously();
	if (error || !data.user) throw new Error(`sign-in: ${error?.message}`);
	return { id: data.user.id, meter, client };
}

export async function device(p: BenchPerson, scope = `bench${++scopes}:`): Promise<TripSync> {
	return TripSync.start({
		userId: p.id,
		supabase: p.client,
		scope,
		intervalMs: 0,
		storage: null,
		windowEvents: false,
		retry: { baseMs: 50, capMs: 1000 },
	});
}

export async function addMember(api: ApiHandle, tripId: string, userId: string, role = 'editor') {
	await api.pool.query('insert into public.trip_members (trip_id, user_id, role) values ($1, $2, $3)', [
		tripId,
		userId,
		role,
	]);
}
