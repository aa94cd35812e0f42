import type { RealtimeChannel } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { eventually } from '../helpers/stack.ts';

/** Every status the channel reports, with the error of each failure. */
export interface StatusLog {
	statuses: string[];
	errors: Error[];
}

/** Subscribes and records statuses (subscribe's callback fires again on rejoin, close, errors). */
export function subscribeLogged(channel: RealtimeChannel): StatusLog {
	const log: StatusLog = { statuses: [], errors: [] };
	channel.subscribe((status, err) => {
		log.statuses.push(status);
		if (err) log.errors.push(err);
	});
	return log;
}

/** Subscribes and waits for SUBSCRIBED; fails on the first other status or after `timeoutMs`. */
export async function subscribed(channel: RealtimeChannel, timeoutMs = 5000): Promise<StatusLog> {
	const log = subscribeLogged(channel);
	await eventually(
		() => {
			const failure = log.statuses.find((s) => s !== 'SUBSCRIBED');
			if (failure)
				throw new Error(`channel ${channel.topic} reported ${failure}: ${log.errors.map((e) => e.message).join('; ')}`);
			return log.statuses.includes('SUBSCRIBED');
		},
		`${channel.topic} to be SUBSCRIBED`,
		timeoutMs,
	);
	return log;
}

/** Collects broadcasts of `event` (or all) on a not yet subscribed channel. */
export function collectBroadcasts<T = Record<string, unknown>>(channel: RealtimeChannel, event = '*'): T[] {
	const received: T[] = [];
	channel.on('broadcast', { event }, (message) => received.push(message as T));
	return received;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type WireFrame = [string | null, string | null, string, string, Record<string, unknown>];

/** A raw Phoenix client speaking vsn 2.0.0, for what supabase-js cannot be made to send. */
export interface RawSocket {
	ws: WebSocket;
	frames: WireFrame[];
	binary: Buffer[];
	closed: Promise<{ code: number; reason: string }>;
	send(frame: WireFrame): void;
	/** Waits for a text frame matching `match`. */
	next(match: (frame: WireFrame) => boolean, what: string, timeoutMs?: number): Promise<WireFrame>;
}

export function realtimeUrl(api: { url: string }, query: Record<string, string>): string {
	const url = new URL('/realtime/v1/websocket', api.url.replace(/^http/, 'ws'));
	for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
	return url.toString();
}

export async function openRawSocket(api: { url: string }, apikey: string): Promise<RawSocket> {
	const ws = new WebSocket(realtimeUrl(api, { apikey, vsn: '2.0.0' }));
	const frames: WireFrame[] = [];
	const binary: Buffer[] = [];
	ws.on('message', (data, isBinary) => {
		if (isBinary) binary.push(data as Buffer);
		else frames.push(JSON.parse(String(data)) as WireFrame);
	});
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
	);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	return {
		ws,
		frames,
		binary,
		closed,
		send: (frame) => ws.send(JSON.stringify(frame)),
		next: (match, what, timeoutMs = 3000) => eventually(() => frames.find(match), what, timeoutMs),
	};
}

/** The HTTP answer to a WebSocket upgrade that the server refuses. */
export function upgradeRefusal(url: string): Promise<{ status: number; body: unknown }> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url);
		ws.once('open', () => {
			ws.terminate();
			reject(new Error('the upgrade was accepted'));
		});
		ws.once('unexpected-response', (_req, res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => {
				ws.terminate();
				resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
			});
		});
		ws.once('error', (err) => {
			if (!String(err.message).includes('Unexpected server response')) reject(err);
		});
	});
}
