import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { openRawSocket, sleep, type RawSocket, type WireFrame } from './realtime-helpers.ts';

/**
 * Hosted Realtime's limits, each answered with hosted's reply, and the state a socket leaves
 * behind once it closes. The first API keeps hosted's (Free plan) numbers; the others lower the
 * project-wide ones so a test can reach them quickly (hosted makes them configurable too).
 */

const hosted = await startTestStack();
const fewUsers = await startTestStack({ config: { realtimeLimits: { maxConcurrentUsers: 2 } } });
const slowJoins = await startTestStack({
	config: { realtimeLimits: { maxJoinsPerSecond: 5, maxPresenceEventsPerSecond: 2, rateTickMs: 250 } },
});

let refs = 0;
const nextRef = () => String(++refs);
const replyTo = (ref: string) => (f: WireFrame) => f[1] === ref && f[3] === 'phx_reply';

/** Joins `topic` and returns the reply payload. */
async function join(raw: RawSocket, topic: string, config: Record<string, unknown> = {}) {
	const ref = nextRef();
	raw.send([ref, ref, topic, 'phx_join', { config }]);
	return { ref, reply: (await raw.next(replyTo(ref), `join reply to ${ref}`))[4] };
}

function track(raw: RawSocket, joinRef: string, topic: string, payload: Record<string, unknown>): string {
	const ref = nextRef();
	raw.send([joinRef, ref, topic, 'presence', { type: 'presence', event: 'track', payload }]);
	return ref;
}

const systemError = (topic: string, message: string) => (f: WireFrame) =>
	f[2] === topic && f[3] === 'system' && f[4].status === 'error' && f[4].message === message;

const topicName = () => `realtime:${randomUUID()}`;

describe('memory', () => {
	test('closing sockets releases their channels, presences and user slots', async () => {
		const sockets: RawSocket[] = [];
		const bulky = { blob: 'x'.repeat(200_000) };
		for (let i = 0; i < 5; i++) {
			const raw = await openRawSocket(hosted, hosted.config.anonKey);
			sockets.push(raw);
			for (let c = 0; c < 4; c++) {
				const topic = topicName();
				const { ref, reply } = await join(raw, topic, { presence: { enabled: true } });
				expect(reply).toMatchObject({ status: 'ok' });
				const tracked = track(raw, ref, topic, bulky);
				expect((await raw.next(replyTo(tracked), 'track reply'))[4]).toMatchObject({ status: 'ok' });
			}
		}
		expect(hosted.realtimeStats()).toEqual({ sockets: 5, users: 5, channels: 20, presences: 20 });
		for (const raw of sockets) raw.ws.terminate();
		await eventually(() => {
			const stats = hosted.realtimeStats();
			return stats.sockets + stats.users + stats.channels + stats.presences === 0;
		}, 'every socket’s state to be released');
	});
});

describe('hosted limits and replies', () => {
	test('the 101st channel on one socket is ChannelRateLimitReached', async () => {
		const raw = await openRawSocket(hosted, hosted.config.anonKey);
		for (let i = 0; i < 100; i++) expect((await join(raw, topicName())).reply).toMatchObject({ status: 'ok' });
		expect((await join(raw, topicName())).reply).toEqual({
			status: 'error',
			response: { reason: 'ChannelRateLimitReached: Too many channels' },
		});
		raw.ws.close();
	});

	test('a broadcast over 256 KB is dropped, and an acked one answers payload_size_exceeded', async () => {
		const raw = await openRawSocket(hosted, hosted.config.anonKey);
		const topic = topicName();
		const { ref: joinRef } = await join(raw, topic, { broadcast: { ack: true, self: true } });
		const big = nextRef();
		raw.send([
			joinRef,
			big,
			topic,
			'broadcast',
			{ type: 'broadcast', event: 'e', payload: { b: 'x'.repeat(300_000) } },
		]);
		expect((await raw.next(replyTo(big), 'size refusal'))[4]).toEqual({
			status: 'error',
			response: 'payload_size_exceeded',
		});
		const small = nextRef();
		raw.send([joinRef, small, topic, 'broadcast', { type: 'broadcast', event: 'e', payload: { b: 'ok' } }]);
		await raw.next(replyTo(small), 'ack of a small broadcast');
		// vsn 2.0.0 delivers user broadcasts as binary frames: only the small one came back.
		await eventually(() => raw.binary.length === 1, 'the small broadcast to come back');
		await sleep(50);
		expect(raw.binary).toHaveLength(1);
		raw.ws.close();
	});

	test('the REST broadcast API refuses a payload over 256 KB with 422, as Realtime’s changeset does', async () => {
		const res = await fetch(`${hosted.url}/realtime/v1/api/broadcast`, {
			method: 'POST',
			headers: { apikey: hosted.config.anonKey, 'content-type': 'application/json' },
			body: JSON.stringify({ messages: [{ topic: 't', event: 'e', payload: { b: 'x'.repeat(300_000) } }] }),
		});
		expect(res.status).toBe(422);
		expect(await res.json()).toEqual({
			errors: { messages: [{ payload: ['Payload size exceeds tenant limit'] }] },
		});
	});

	test('a presence payload over 256 KB shuts the channel: "Track message size exceeded"', async () => {
		const raw = await openRawSocket(hosted, hosted.config.anonKey);
		const topic = topicName();
		const { ref } = await join(raw, topic, { presence: { enabled: true } });
		track(raw, ref, topic, { b: 'x'.repeat(300_000) });
		await raw.next(systemError(topic, 'Track message size exceeded'), 'system error');
		await raw.next((f) => f[2] === topic && f[3] === 'phx_close', 'phx_close');
		expect(hosted.realtimeStats().presences).toBe(0);
		raw.ws.close();
	});

	test('a sixth presence message within 30 s shuts the channel: "Client presence rate limit exceeded"', async () => {
		const raw = await openRawSocket(hosted, hosted.config.anonKey);
		const topic = topicName();
		const { ref } = await join(raw, topic, { presence: { enabled: true } });
		for (let i = 0; i < 5; i++) {
			const tracked = track(raw, ref, topic, { n: i });
			expect((await raw.next(replyTo(tracked), 'track reply'))[4]).toMatchObject({ status: 'ok' });
		}
		track(raw, ref, topic, { n: 5 });
		await raw.next(systemError(topic, 'Client presence rate limit exceeded'), 'system error');
		await raw.next((f) => f[2] === topic && f[3] === 'phx_close', 'phx_close');
		raw.ws.close();
	});

	test('past max_concurrent_users a join is ConnectionRateLimitReached; a closed socket frees its slot', async () => {
		const first = await openRawSocket(fewUsers, fewUsers.config.anonKey);
		const second = await openRawSocket(fewUsers, fewUsers.config.anonKey);
		const third = await openRawSocket(fewUsers, fewUsers.config.anonKey);
		expect((await join(first, topicName())).reply).toMatchObject({ status: 'ok' });
		expect((await join(second, topicName())).reply).toMatchObject({ status: 'ok' });
		// A socket already counted may join more channels.
		expect((await join(first, topicName())).reply).toMatchObject({ status: 'ok' });
		expect((await join(third, topicName())).reply).toEqual({
			status: 'error',
			response: { reason: 'ConnectionRateLimitReached: Too many connected users' },
		});
		first.ws.terminate();
		await eventually(() => fewUsers.realtimeStats().users === 1, 'the closed socket to free its slot');
		expect((await join(third, topicName())).reply).toMatchObject({ status: 'ok' });
		second.ws.close();
		third.ws.close();
	});

	test('joining faster than max_joins_per_second is ClientJoinRateLimitReached, and the socket is disconnected', async () => {
		const raw = await openRawSocket(slowJoins, slowJoins.config.anonKey);
		// Joins as fast as the socket allows: once a 250 ms tick of them has completed, the average
		// is far over 5/s and the next join is refused.
		const replies: unknown[] = [];
		const deadline = Date.now() + 5000;
		for (;;) {
			const { reply } = await join(raw, topicName());
			replies.push(reply);
			if ((reply as { status: string }).status !== 'ok' || Date.now() > deadline) break;
		}
		expect(replies.length).toBeGreaterThan(5);
		expect(replies.slice(0, -1).every((r) => (r as { status: string }).status === 'ok')).toBe(true);
		expect(replies.at(-1)).toEqual({
			status: 'error',
			response: { reason: 'ClientJoinRateLimitReached: Too many joins per second' },
		});
		expect((await raw.closed).code).toBe(1000);
		await eventually(() => slowJoins.realtimeStats().channels === 0, 'the disconnected socket’s channels to go');
	});

	test('presence faster than max_presence_events_per_second shuts the channel: "Too many presence messages per second"', async () => {
		// Past the join burst of the previous test: its ticks leave the window after 12 × 250 ms.
		await sleep(3200);
		const raw = await openRawSocket(slowJoins, slowJoins.config.anonKey);
		const channels: { topic: string; ref: string }[] = [];
		for (let i = 0; i < 10; i++) {
			const topic = topicName();
			channels.push({ topic, ref: (await join(raw, topic, { presence: { enabled: true } })).ref });
		}
		// Each channel stays under its own 5-per-30 s limit; together they exceed 2 per second.
		const overLimit = (f: WireFrame) =>
			f[3] === 'system' && f[4].status === 'error' && f[4].message === 'Too many presence messages per second';
		for (let n = 0; n < 4 && !raw.frames.some(overLimit); n++) {
			for (const { topic, ref } of channels) {
				track(raw, ref, topic, { n });
				await sleep(20);
			}
		}
		await raw.next(overLimit, 'the presence rate system error');
		expect(
			raw.frames.filter((f) => f[3] === 'system' && f[4].message === 'Client presence rate limit exceeded'),
		).toEqual([]);
		raw.ws.close();
	});
});
