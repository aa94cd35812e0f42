import { connect } from 'node:net';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { signJwt } from '../../supabase/local/jwt.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

// Clients that misbehave must cost them their own connection at most, never the server.
const api = await startTestStack();
const wsUrl = (vsn: string) =>
	`${api.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${api.config.anonKey}&vsn=${vsn}`;

async function stillServing(): Promise<void> {
	const res = await fetch(`${api.url}/auth/v1/health`);
	expect(res.status).toBe(200);
}

test('a client that resets its connection during an upgrade to an unknown path does not take the server down', async () => {
	for (let i = 0; i < 20; i++) {
		const socket = connect(api.port, '127.0.0.1');
		await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
		socket.write('GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
		socket.resetAndDestroy();
	}
	await new Promise((r) => setTimeout(r, 100));
	await stillServing();
});

test('a token whose header holds non-ASCII text gets a 401, not a broken response', async () => {
	const header = Buffer.from(JSON.stringify({ alg: 'é\n', typ: 'JWT' })).toString('base64url');
	const [, payload, signature] = signJwt({ role: 'anon' }, api.config.jwtSecret).split('.');
	const res = await fetch(`${api.url}/rest/v1/rpc/anything`, {
		method: 'POST',
		headers: {
			apikey: api.config.anonKey,
			authorization: `Bearer ${header}.${payload}.${signature}`,
			'content-type': 'application/json',
		},
		body: '{}',
	});
	expect(res.status).toBe(401);
	expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
});

test('a broadcast too deeply nested for one protocol version still reaches every other subscriber', async () => {
	const open = async (vsn: '1.0.0' | '2.0.0') => {
		const ws = new WebSocket(wsUrl(vsn));
		const broadcasts: unknown[] = [];
		ws.on('message', (data, isBinary) => {
			if (isBinary || String(data).includes('"broadcast"')) broadcasts.push(data);
		});
		await new Promise((resolve) => ws.once('open', resolve));
		ws.send(
			vsn === '2.0.0'
				? JSON.stringify(['1', '1', 'realtime:deep', 'phx_join', { config: { broadcast: { self: false } } }])
				: JSON.stringify({
						join_ref: '1',
						ref: '1',
						topic: 'realtime:deep',
						event: 'phx_join',
						payload: { config: {} },
					}),
		);
		await eventually(() => ws.readyState === WebSocket.OPEN, 'the socket to stay open');
		return { ws, broadcasts };
	};
	const sender = await open('2.0.0');
	await open('1.0.0');
	const receiver = await open('2.0.0');
	await new Promise((r) => setTimeout(r, 200));

	const depth = 5000;
	const payload = Buffer.from(`{"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
	const topic = Buffer.from('realtime:deep');
	const event = Buffer.from('ev');
	// Binary kind-3 user broadcast: kind, join_ref len, ref len, topic len, event len, meta len, JSON encoding.
	sender.ws.send(Buffer.concat([Buffer.from([3, 0, 0, topic.length, event.length, 0, 1]), topic, event, payload]), {
		binary: true,
	});
	await eventually(() => receiver.broadcasts.length === 1, 'the broadcast at the other v2 subscriber');
	expect(sender.ws.readyState).toBe(WebSocket.OPEN);
	await stillServing();
});
