import { expect, test } from 'vitest';
import { clientFor, startTestStack } from '../helpers/stack.ts';

const LIMIT = 64 * 1024;
const api = await startTestStack({ config: { maxBodyBytes: LIMIT } });

test('answers an unknown route with the gateway’s 404 body', async () => {
	const res = await fetch(`${api.url}/storage/v1/object/x`, { headers: { apikey: api.config.anonKey } });
	expect(res.status).toBe(404);
	expect(await res.json()).toEqual({ message: 'no Route matched with those values' });
});

test('answers a CORS preflight for any path with the headers supabase-js sends', async () => {
	const res = await fetch(`${api.url}/rest/v1/rpc/anything`, {
		method: 'OPTIONS',
		headers: {
			origin: 'http://localhost:5173',
			'access-control-request-method': 'POST',
			'access-control-request-headers': 'authorization,apikey,content-type,x-client-info',
		},
	});
	expect(res.status).toBe(204);
	expect(res.headers.get('access-control-allow-origin')).toBe('*');
	expect(res.headers.get('access-control-allow-headers')).toBe('authorization,apikey,content-type,x-client-info');
	expect(res.headers.get('access-control-expose-headers')).toContain('X-Supabase-Api-Version');
});

test('refuses an oversized body with 413 and keeps serving', async () => {
	const big = JSON.stringify({ p: 'x'.repeat(LIMIT * 2) });
	const res = await fetch(`${api.url}/rest/v1/rpc/anything`, {
		method: 'POST',
		headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
		body: big,
	});
	expect(res.status).toBe(413);
	expect(await res.json()).toMatchObject({ code: 'request_too_large' });

	const after = await fetch(`${api.url}/nowhere`);
	expect(after.status).toBe(404);
});

test('refuses an oversized chunked body (no content-length) with 413', async () => {
	const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
	let sent = 0;
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (sent++ < 16) controller.enqueue(chunk);
			else controller.close();
		},
	});
	const res = await fetch(`${api.url}/rest/v1/rpc/anything`, {
		method: 'POST',
		headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
		body,
		duplex: 'half',
	} as RequestInit);
	expect(res.status).toBe(413);
});

test('gzips large responses for clients that accept it, and supabase-js reads them unchanged', async () => {
	await api.pool.query(
		`create or replace function public.big_text() returns text language sql as $$ select repeat('trip ', 2000) $$`,
	);
	const raw = await fetch(`${api.url}/rest/v1/rpc/big_text`, {
		method: 'POST',
		headers: { apikey: api.config.anonKey, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
		body: '{}',
	});
	expect(raw.headers.get('content-encoding')).toBe('gzip');
	expect(Number(raw.headers.get('content-length'))).toBeLessThan(1000);

	const { data, error } = await clientFor(api).rpc('big_text');
	expect(error).toBeNull();
	expect(data).toBe('trip '.repeat(2000));
});
