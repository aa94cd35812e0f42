import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { DEMO_PUBLISHABLE_KEY } from '../../supabase/local/keys.ts';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';
import { collectBroadcasts, sleep, subscribed } from './realtime-helpers.ts';

const api = await startTestStack();

const room = () => `room-${randomUUID()}`;

describe('broadcast between clients', () => {
	test('reaches the other client both ways, and not the sender without self', async () => {
		const name = room();
		const a = clientFor(api).channel(name);
		const b = clientFor(api).channel(name);
		const atA = collectBroadcasts(a, 'msg');
		const atB = collectBroadcasts(b, 'msg');
		await Promise.all([subscribed(a), subscribed(b)]);

		expect(await a.send({ type: 'broadcast', event: 'msg', payload: { from: 'a', n: 1 } })).toBe('ok');
		expect(await b.send({ type: 'broadcast', event: 'msg', payload: { from: 'b', text: 'héllo 🌍' } })).toBe('ok');

		await eventually(() => atA.length >= 1 && atB.length >= 1, 'both broadcasts');
		expect(atB).toEqual([{ type: 'broadcast', event: 'msg', payload: { from: 'a', n: 1 } }]);
		expect(atA).toEqual([{ type: 'broadcast', event: 'msg', payload: { from: 'b', text: 'héllo 🌍' } }]);
		await sleep(100);
		expect(atA).toHaveLength(1); // a's own message did not come back (self: false)
	});

	test('comes back to the sender with self: true, and only matching events reach a filtered listener', async () => {
		const name = room();
		const a = clientFor(api).channel(name, { config: { broadcast: { self: true } } });
		const own = collectBroadcasts(a, 'ping');
		const all = collectBroadcasts(a);
		await subscribed(a);
		await a.send({ type: 'broadcast', event: 'ping', payload: { x: 1 } });
		await a.send({ type: 'broadcast', event: 'other', payload: { x: 2 } });
		await eventually(() => all.length === 2, 'own broadcasts');
		expect(own).toEqual([{ type: 'broadcast', event: 'ping', payload: { x: 1 } }]);
	});

	test('ack: true resolves send() with ok once the server has it', async () => {
		const name = room();
		const a = clientFor(api).channel(name, { config: { broadcast: { ack: true } } });
		const b = clientFor(api).channel(name);
		const atB = collectBroadcasts(b);
		await Promise.all([subscribed(a), subscribed(b)]);
		const result = await a.send({ type: 'broadcast', event: 'acked', payload: { y: 1 } }, { timeout: 2000 });
		expect(result).toBe('ok');
		await eventually(() => atB.length === 1, 'the acked broadcast');
	});

	test('binary payloads arrive as ArrayBuffer', async () => {
		const name = room();
		const a = clientFor(api).channel(name);
		const b = clientFor(api).channel(name);
		const atB = collectBroadcasts<{ payload: ArrayBuffer }>(b);
		await Promise.all([subscribed(a), subscribed(b)]);
		await a.send({ type: 'broadcast', event: 'bytes', payload: new Uint8Array([1, 2, 250]).buffer });
		const [message] = await eventually(() => (atB.length ? atB : null), 'the binary broadcast');
		expect(Array.from(new Uint8Array(message!.payload))).toEqual([1, 2, 250]);
	});

	test('a client created with the publishable key connects as anon', async () => {
		const name = room();
		const a = clientFor(api, DEMO_PUBLISHABLE_KEY).channel(name);
		const b = clientFor(api).channel(name);
		const atA = collectBroadcasts(a);
		await Promise.all([subscribed(a), subscribed(b)]);
		await b.send({ type: 'broadcast', event: 'hi', payload: {} });
		await eventually(() => atA.length === 1, 'the broadcast at the publishable-key client');
	});

	test('delivers a burst of messages to the other client exactly once each, in order', async () => {
		const name = room();
		const a = clientFor(api).channel(name);
		const b = clientFor(api).channel(name);
		const received: number[] = [];
		b.on('broadcast', { event: 't' }, (m) => received.push(m.payload.i as number));
		await Promise.all([subscribed(a), subscribed(b)]);
		const sent = Array.from({ length: 60 }, (_, i) => i);
		await Promise.all(sent.map((i) => a.send({ type: 'broadcast', event: 't', payload: { i } })));
		await eventually(() => received.length >= sent.length, 'all 60 messages', 5000);
		await new Promise((r) => setTimeout(r, 50));
		expect(received).toEqual(sent);
	});
});

describe('REST broadcast', () => {
	test('httpSend answers 202 and reaches subscribers', async () => {
		const name = room();
		const sender = clientFor(api).channel(name);
		const b = clientFor(api).channel(name);
		const atB = collectBroadcasts(b);
		await subscribed(b);
		await sender.httpSend('via-rest', { n: 42 });
		const [message] = await eventually(() => (atB.length ? atB : null), 'the REST broadcast');
		expect(message).toMatchObject({ type: 'broadcast', event: 'via-rest', payload: { n: 42 } });
	});

	test('send() before joining falls back to the batch endpoint', async () => {
		const name = room();
		const b = clientFor(api).channel(name);
		const atB = collectBroadcasts(b);
		await subscribed(b);
		const notJoined = clientFor(api).channel(name);
		const warn = console.warn;
		console.warn = () => {};
		try {
			expect(await notJoined.send({ type: 'broadcast', event: 'batch', payload: { ok: true } })).toBe('ok');
		} finally {
			console.warn = warn;
		}
		await eventually(() => atB.length === 1, 'the batch broadcast');
		expect(atB[0]).toMatchObject({ event: 'batch', payload: { ok: true } });
	});

	test('rejects a bad token with 401 and an invalid batch with 422', async () => {
		const url = `${api.url}/realtime/v1/api/broadcast`;
		const bad = await fetch(url, {
			method: 'POST',
			headers: { apikey: 'nope', 'content-type': 'application/json' },
			body: JSON.stringify({ messages: [{ topic: 't', event: 'e', payload: {} }] }),
		});
		expect(bad.status).toBe(401);
		expect(await bad.json()).toEqual({ message: 'Unauthorized' });
		const invalid = await fetch(url, {
			method: 'POST',
			headers: { apikey: api.config.anonKey, 'content-type': 'application/json' },
			body: JSON.stringify({ messages: [{ event: 'e' }] }),
		});
		expect(invalid.status).toBe(422);
	});
});
