import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { getAppClient, supabase } from './client';
import { supabaseConfig } from './config';

// What a browser provides and Node 20 lacks: realtime-js needs a WebSocket to build the client.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

test('the deprecated supabase export forwards to the one app client, methods bound to it', async () => {
	expect(supabase.auth).toBe(getAppClient().auth);
	const { channel } = supabase;
	// Called unbound, as a destructured method: it must still act on the real client.
	const made = channel('tripmate:spec');
	expect(getAppClient().getChannels()).toContain(made);
	await getAppClient().removeChannel(made);
	expect(supabase.realtime.endPoint.startsWith(supabaseConfig.url.replace(/^http/, 'ws'))).toBe(true);
	await getAppClient().auth.stopAutoRefresh();
});
