import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { clientFor, eventually, startTestStack } from '../helpers/stack.ts';
import { createUser, mintAccessToken, type TestUser } from '../helpers/users.ts';
import { collectBroadcasts, sleep, subscribed, subscribeLogged } from './realtime-helpers.ts';

const api = await startTestStack();

beforeAll(async () => {
	await api.pool.query(`
		create table public.room_members (
			topic text not null,
			user_id uuid not null,
			can_write boolean not null default true,
			primary key (topic, user_id)
		);
		grant select on public.room_members to authenticated;
		create policy "members read" on realtime.messages for select to authenticated
			using (exists (select 1 from public.room_members m
			               where m.topic = (select realtime.topic()) and m.user_id = (select auth.uid())));
		create policy "writers write" on realtime.messages for insert to authenticated
			with check (exists (select 1 from public.room_members m
			                    where m.topic = (select realtime.topic()) and m.user_id = (select auth.uid()) and m.can_write));
	`);
});

async function roomWith(...members: [TestUser, { canWrite?: boolean }?][]): Promise<string> {
	const topic = `room:${randomUUID()}`;
	for (const [user, { canWrite = true } = {}] of members) {
		await api.pool.query('insert into public.room_members (topic, user_id, can_write) values ($1, $2, $3)', [
			topic,
			user.id,
			canWrite,
		]);
	}
	return topic;
}

describe('private channels: join authorized by RLS', () => {
	test('a member joins; a non-member is refused with CHANNEL_ERROR and the Unauthorized reason', async () => {
		const [member, outsider] = await Promise.all([createUser(api), createUser(api)]);
		const topic = await roomWith([member]);
		await subscribed(member.client.channel(topic, { config: { private: true } }));

		const refused = subscribeLogged(outsider.client.channel(topic, { config: { private: true } }));
		await eventually(() => refused.statuses.includes('CHANNEL_ERROR'), 'the refusal');
		expect(refused.statuses).not.toContain('SUBSCRIBED');
		expect(refused.errors[0]?.message).toBe(
			`Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
		);
	});

	test('anon is refused on a private channel', async () => {
		const refused = subscribeLogged(clientFor(api).channel(`room:${randomUUID()}`, { config: { private: true } }));
		await eventually(() => refused.statuses.includes('CHANNEL_ERROR'), 'the refusal');
		expect(refused.errors[0]?.message).toMatch(/^Unauthorized: You do not have permissions to read/);
	});

	test('members broadcast to each other; a member without write permission is dropped silently', async () => {
		const [writer, reader] = await Promise.all([createUser(api), createUser(api)]);
		const topic = await roomWith([writer], [reader, { canWrite: false }]);
		const w = writer.client.channel(topic, { config: { private: true, broadcast: { ack: true } } });
		const r = reader.client.channel(topic, { config: { private: true, broadcast: { ack: true } } });
		const publicTwin = clientFor(api).channel(topic);
		const atW = collectBroadcasts(w);
		const atR = collectBroadcasts(r);
		const atPublic = collectBroadcasts(publicTwin);
		await Promise.all([subscribed(w), subscribed(r), subscribed(publicTwin)]);

		expect(await w.send({ type: 'broadcast', event: 'note', payload: { n: 1 } })).toBe('ok');
		await eventually(() => atR.length === 1, 'the private broadcast at the reader');
		// Denied: no delivery and no ack, so send() times out.
		expect(await r.send({ type: 'broadcast', event: 'note', payload: { n: 2 } }, { timeout: 500 })).toBe('timed out');
		await sleep(100);
		expect(atW).toEqual([]);
		expect(atPublic).toEqual([]); // the public channel of the same name is another namespace
	});

	test('presence on a private channel needs write permission to track', async () => {
		const [writer, reader] = await Promise.all([createUser(api), createUser(api)]);
		const topic = await roomWith([writer], [reader, { canWrite: false }]);
		const w = writer.client.channel(topic, { config: { private: true, presence: { key: 'w' } } });
		const r = reader.client.channel(topic, { config: { private: true, presence: { key: 'r' } } });
		w.on('presence', { event: 'sync' }, () => {});
		r.on('presence', { event: 'sync' }, () => {});
		await Promise.all([subscribed(w), subscribed(r)]);
		expect(await w.track({ at: 1 })).toBe('ok');
		expect(await r.track({ at: 2 })).toBe('error');
		await eventually(() => Object.keys(r.presenceState()).includes('w'), 'w visible to the reader');
		expect(Object.keys(w.presenceState())).toEqual(['w']);
	});
});

describe('broadcast from the database (realtime.send)', () => {
	test('is delivered to private subscribers only after commit, never when rolled back', async () => {
		const member = await createUser(api);
		const topic = await roomWith([member]);
		const channel = member.client.channel(topic, { config: { private: true } });
		const publicTwin = clientFor(api).channel(topic);
		const received = collectBroadcasts<{ event: string; payload: Record<string, unknown>; meta?: { id: string } }>(
			channel,
		);
		const atPublic = collectBroadcasts(publicTwin);
		await Promise.all([subscribed(channel), subscribed(publicTwin)]);

		await api.pool.query(`select realtime.send('{"n":1}'::jsonb, 'db', $1)`, [topic]);
		const [first] = await eventually(() => (received.length ? received : null), 'the committed send');
		expect(first).toEqual({
			type: 'broadcast',
			event: 'db',
			payload: { n: 1, id: first!.meta!.id },
			meta: { id: expect.any(String) },
		});

		const tx = await api.pool.connect();
		try {
			await tx.query('begin');
			await tx.query(`select realtime.send('{"n":"rolled back"}'::jsonb, 'db', $1)`, [topic]);
			await tx.query('rollback');
			await tx.query('begin');
			await tx.query(`select realtime.send('{"n":2}'::jsonb, 'db', $1)`, [topic]);
			await sleep(300);
			expect(received).toHaveLength(1); // still open: nothing yet
			await tx.query('commit');
		} finally {
			tx.release();
		}
		await eventually(() => received.length === 2, 'the send committed later');
		expect(received[1]?.payload.n).toBe(2);
		await sleep(200);
		expect(received.map((m) => m.payload.n)).toEqual([1, 2]);
		expect(atPublic).toEqual([]); // realtime.send defaults to private
	});

	test('public sends reach public channels; large payloads are fetched by id', async () => {
		const topic = `feed-${randomUUID()}`;
		const channel = clientFor(api).channel(topic);
		const received = collectBroadcasts<{ payload: { big?: string; small?: boolean } }>(channel);
		await subscribed(channel);
		const big = 'x'.repeat(20_000);
		await api.pool.query(`select realtime.send(jsonb_build_object('big', $2::text), 'big', $1, false)`, [topic, big]);
		await api.pool.query(`select realtime.send('{"small":true}'::jsonb, 'small', $1, false)`, [topic]);
		await eventually(() => received.length === 2, 'both database broadcasts');
		expect(received.find((m) => m.payload.big)?.payload.big).toBe(big);
	});
	test('delivery resumes after the LISTEN connection is killed', async () => {
		const topic = `feed-${randomUUID()}`;
		const channel = clientFor(api).channel(topic);
		const received = collectBroadcasts(channel);
		await subscribed(channel);
		const { rowCount } = await api.pool.query(
			`select pg_terminate_backend(pid) from pg_stat_activity
			 where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
		);
		expect(rowCount).toBe(1);
		await eventually(
			async () => {
				await api.pool.query(`select realtime.send('{}'::jsonb, 'again', $1, false)`, [topic]);
				await sleep(100);
				return received.length > 0;
			},
			'a database broadcast after the LISTEN connection came back',
			8000,
		);
	});
});

describe('access tokens over the socket', () => {
	test('a valid new token keeps messages flowing; an expired one closes the channel', async () => {
		const member = await createUser(api);
		const topic = await roomWith([member]);
		let token = member.accessToken;
		const client = clientFor(api, api.config.anonKey, { accessToken: async () => token });
		// supabase-js resolves the token asynchronously; a join sent before that would go out as anon.
		await client.realtime.setAuth();
		const channel = client.channel(topic, { config: { private: true } });
		const system: { message: string }[] = [];
		channel.on('system', {}, (p: { message: string }) => system.push(p));
		const received = collectBroadcasts(channel);
		const log = await subscribed(channel);

		token = mintAccessToken(api, member.id, 7200);
		await client.realtime.setAuth();
		await sleep(100);
		await api.pool.query(`select realtime.send('{"after":"refresh"}'::jsonb, 'db', $1)`, [topic]);
		await eventually(() => received.length === 1, 'delivery after a refresh');

		token = mintAccessToken(api, member.id, -120);
		await client.realtime.setAuth();
		await eventually(() => log.statuses.includes('CLOSED'), 'the channel to close');
		expect(system.at(-1)?.message).toMatch(/^Token has expired \d+ seconds ago$/);
	});

	test('a token for a user who may not read the topic closes the channel', async () => {
		const [member, outsider] = await Promise.all([createUser(api), createUser(api)]);
		const topic = await roomWith([member]);
		let token = member.accessToken;
		const client = clientFor(api, api.config.anonKey, { accessToken: async () => token });
		// supabase-js resolves the token asynchronously; a join sent before that would go out as anon.
		await client.realtime.setAuth();
		const channel = client.channel(topic, { config: { private: true } });
		const log = await subscribed(channel);
		token = outsider.accessToken;
		await client.realtime.setAuth();
		await eventually(() => log.statuses.includes('CLOSED'), 'the channel to close');
	});

	test('the channel closes by itself when the token expires', async () => {
		const member = await createUser(api, { expiresIn: 2 });
		const channel = member.client.channel(`room:${randomUUID()}`);
		const system: { message: string; status: string }[] = [];
		channel.on('system', {}, (p: { message: string; status: string }) => system.push(p));
		const log = await subscribed(channel);
		await eventually(() => log.statuses.includes('CLOSED'), 'the expiry close', 5000);
		expect(system.at(-1)).toMatchObject({ status: 'error', message: expect.stringMatching(/^Token has expired/) });
	});
});
