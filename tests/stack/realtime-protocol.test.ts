import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { signJwt } from '../../supabase/local/jwt.ts';
import { DEMO_PUBLISHABLE_KEY } from '../../supabase/local/keys.ts';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';
import {
	collectBroadcasts,
	openRawSocket,
	realtimeUrl,
	subscribed,
	upgradeRefusal,
	type WireFrame,
} from './realtime-helpers.ts';

const api = await startTestStack();

const isReply = (ref: string) => (f: WireFrame) => f[1] === ref && f[3] === 'phx_reply';

describe('connecting', () => {
	test('a bad apikey is refused at the upgrade with 401 and Realtime’s error body', async () => {
		const now = Math.floor(Date.now() / 1000);
		const secret = api.config.jwtSecret;
		const cases: [Record<string, string>, string][] = [
			[{ vsn: '2.0.0' }, 'API key is missing'],
			[{ apikey: 'not-a-jwt', vsn: '2.0.0' }, 'The token provided is not a valid JWT'],
			[
				{ apikey: signJwt({ role: 'anon', exp: now + 60 }, 'another-secret-of-at-least-32-characters'), vsn: '2.0.0' },
				'Failed to validate JWT signature',
			],
			[{ apikey: signJwt({ role: 'anon', exp: now - 10 }, secret), vsn: '2.0.0' }, 'Token has expired'],
			[{ apikey: signJwt({ role: 'anon' }, secret), vsn: '2.0.0' }, 'Fields `role` and `exp` are required in JWT'],
		];
		for (const [query, error] of cases) {
			const refusal = await upgradeRefusal(realtimeUrl(api, query));
			expect(refusal.status, error).toBe(401);
			expect((refusal.body as { error: string }).error).toMatch(new RegExp(`^${error.replace(/[`]/g, '.')}`));
		}
	});

	test('the publishable key is accepted as anon', async () => {
		const raw = await openRawSocket(api, DEMO_PUBLISHABLE_KEY);
		raw.send([null, '1', 'phoenix', 'heartbeat', {}]);
		expect(await raw.next(isReply('1'), 'heartbeat reply')).toEqual([
			null,
			'1',
			'phoenix',
			'phx_reply',
			{ status: 'ok', response: {} },
		]);
		raw.ws.close();
	});
});

describe('Phoenix channel protocol', () => {
	test('join echoes postgres_changes with ids, then presence_state; leave replies and closes', async () => {
		const raw = await openRawSocket(api, api.config.anonKey);
		const topic = `realtime:${randomUUID()}`;
		const pg = [
			{ event: '*', schema: 'public', table: 'todos' },
			{ event: 'INSERT', schema: 'public', table: 'x', filter: 'id=eq.1' },
		];
		raw.send([
			'1',
			'1',
			topic,
			'phx_join',
			{
				config: {
					broadcast: { self: false },
					presence: { key: 'k', enabled: true },
					postgres_changes: pg,
					private: false,
				},
			},
		]);
		const joined = await raw.next(isReply('1'), 'join reply');
		const response = joined[4] as { status: string; response: { postgres_changes: { id: number }[] } };
		expect(response.status).toBe('ok');
		expect(response.response.postgres_changes).toEqual(pg.map((p) => ({ ...p, id: expect.any(Number) })));
		expect(await raw.next((f) => f[3] === 'presence_state', 'presence_state')).toEqual([
			'1',
			null,
			topic,
			'presence_state',
			{},
		]);

		raw.send(['1', '2', topic, 'phx_leave', {}]);
		await raw.next(isReply('2'), 'leave reply');
		expect(await raw.next((f) => f[3] === 'phx_close', 'phx_close')).toEqual(['1', '1', topic, 'phx_close', {}]);
		raw.ws.close();
	});

	test('topics outside realtime: are unmatched; a second join closes the first', async () => {
		const raw = await openRawSocket(api, api.config.anonKey);
		raw.send(['1', '1', 'room:lobby', 'phx_join', { config: {} }]);
		expect((await raw.next(isReply('1'), 'reply'))[4]).toEqual({
			status: 'error',
			response: { reason: 'unmatched topic' },
		});

		const topic = `realtime:${randomUUID()}`;
		raw.send(['2', '2', topic, 'phx_join', { config: {} }]);
		await raw.next(isReply('2'), 'first join');
		raw.send(['3', '3', topic, 'phx_join', { config: {} }]);
		expect(await raw.next((f) => f[3] === 'phx_close', 'old channel closed')).toEqual([
			'2',
			'2',
			topic,
			'phx_close',
			{},
		]);
		expect((await raw.next(isReply('3'), 'second join'))[4]).toMatchObject({ status: 'ok' });
		raw.ws.close();
	});

	test('garbage closes only the socket that sent it; oversized frames are refused', async () => {
		const healthy = await openRawSocket(api, api.config.anonKey);
		for (const garbage of ['{not json', '[1,2]', '"text"', '[null,"1","realtime:x","broadcast",{"payload":1}]']) {
			const bad = await openRawSocket(api, api.config.anonKey);
			bad.ws.send(garbage);
			expect((await bad.closed).code, garbage).toBe(1007);
		}
		const binary = await openRawSocket(api, api.config.anonKey);
		binary.ws.send(Buffer.from([9, 9, 9]));
		expect((await binary.closed).code).toBe(1007);
		const truncated = await openRawSocket(api, api.config.anonKey);
		truncated.ws.send(Buffer.from([3, 1, 1, 200, 3, 0, 1, 0x31, 0x32]));
		expect((await truncated.closed).code).toBe(1007);

		const huge = await openRawSocket(api, api.config.anonKey);
		huge.ws.send(JSON.stringify([null, '1', 'phoenix', 'heartbeat', { pad: 'x'.repeat(2 * 1024 * 1024) }]));
		expect((await huge.closed).code).toBe(1009);

		healthy.send([null, '9', 'phoenix', 'heartbeat', {}]);
		await healthy.next(isReply('9'), 'heartbeat reply on the healthy socket');
		healthy.ws.close();
	});

	test('a join with an expired access_token is refused with InvalidJWTToken', async () => {
		const raw = await openRawSocket(api, api.config.anonKey);
		const expired = signJwt(
			{ role: 'authenticated', sub: randomUUID(), exp: Math.floor(Date.now() / 1000) - 100 },
			api.config.jwtSecret,
		);
		raw.send(['1', '1', `realtime:${randomUUID()}`, 'phx_join', { config: {}, access_token: expired }]);
		const reply = await raw.next(isReply('1'), 'join reply');
		expect(reply[4]).toMatchObject({
			status: 'error',
			response: { reason: expect.stringMatching(/^InvalidJWTToken: Token has expired 1\d\d seconds ago$/) },
		});
		raw.ws.close();
	});
});

describe('restarts', () => {
	test('after the API restarts, clients reconnect, rejoin and receive broadcasts again', async () => {
		const name = `restart-${randomUUID()}`;
		const a = clientFor(api).channel(name);
		const b = clientFor(api).channel(name);
		const atB = collectBroadcasts<{ payload: { n: number } }>(b);
		await Promise.all([subscribed(a), subscribed(b)]);
		await a.send({ type: 'broadcast', event: 'm', payload: { n: 1 } });
		await eventually(() => atB.length === 1, 'the first broadcast');

		await api.stop();
		await api.start();

		// realtime-js reconnects after 1 s and rejoins; keep sending until one gets through.
		let n = 1;
		await eventually(
			async () => {
				if (a.state === 'joined') await a.send({ type: 'broadcast', event: 'm', payload: { n: ++n } });
				await new Promise((r) => setTimeout(r, 50));
				return atB.length > 1;
			},
			'a broadcast after the restart',
			10_000,
		);
		expect(atB.at(-1)?.payload.n).toBeGreaterThan(1);
	});
});
