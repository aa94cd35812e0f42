import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { getAppClient, supabase } from './client';
import { supabaseConfig } from './config';

// What a browser provides and Node 20 lacks: realtime-js needs a WebSocket to build the client.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

test('the deprecated supabase export forwards to the one app client, methods bound to it', async () => {
	expect(supabase.auth).toBe(getAppClient().auth);
	const { from } = supabase;
	// Called unbound, as a destructured method: it must still act on the real client.
	expect(from('trips').select('id').url.href).toBe(`${supabaseConfig.url}/rest/v1/trips?select=id`);
	await getAppClient().auth.stopAutoRefresh();
});
