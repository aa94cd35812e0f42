/**
 * The Phoenix-channel messages realtime-js 2.x exchanges with Realtime (protocol reference §3),
 * as discriminated unions: what a client may send, and what this server sends back.
 */

/** Phoenix refs are per-socket counters the client sends as strings; `null` where absent. */
export type Ref = string | null;

/** Wire protocol version from the `vsn` query param: 2.0.0 = array frames + binary broadcasts. */
export type Vsn = '1.0.0' | '2.0.0';

export type JsonObject = Record<string, unknown>;

/** A user broadcast body: JSON (kept as the bytes we received, and validated) or raw bytes. */
export type BroadcastBody = { kind: 'json'; bytes: Buffer } | { kind: 'binary'; bytes: Buffer };

/** Any decoded frame before it is given meaning. */
export interface InboundFrame {
	joinRef: Ref;
	ref: Ref;
	topic: string;
	event: string;
	payload: JsonObject;
}

interface Addressed {
	joinRef: Ref;
	ref: Ref;
	topic: string;
}

// Client → server ---------------------------------------------------------------------------------

export type ClientMessage =
	| { type: 'heartbeat'; ref: Ref }
	| (Addressed & { type: 'join'; payload: JsonObject })
	| (Addressed & { type: 'leave' })
	| (Addressed & { type: 'access_token'; token: unknown })
	| (Addressed & { type: 'broadcast'; event: string; body: BroadcastBody })
	| (Addressed & { type: 'presence'; action: 'track' | 'untrack' | 'unknown'; state: unknown })
	| (Addressed & { type: 'other'; event: string });

/** Gives a decoded frame its meaning. Throws on a broadcast whose shape is unusable. */
export function toClientMessage(frame: InboundFrame): ClientMessage {
	const { joinRef, ref, topic, event, payload } = frame;
	if (topic === 'phoenix' && event === 'heartbeat') return { type: 'heartbeat', ref };
	const at = { joinRef, ref, topic };
	switch (event) {
		case 'phx_join':
			return { ...at, type: 'join', payload };
		case 'phx_leave':
			return { ...at, type: 'leave' };
		case 'access_token':
			return { ...at, type: 'access_token', token: payload.access_token };
		case 'broadcast': {
			// Text-frame broadcasts (vsn 1.0.0, or a client that sent one as JSON) wrap the user event.
			if (typeof payload.event !== 'string') throw new TypeError('broadcast without a string event');
			const bytes = Buffer.from(JSON.stringify(payload.payload ?? {}));
			return { ...at, type: 'broadcast', event: payload.event, body: { kind: 'json', bytes } };
		}
		case 'presence': {
			const action = String(payload.event ?? '').toLowerCase();
			return {
				...at,
				type: 'presence',
				action: action === 'track' || action === 'untrack' ? action : 'unknown',
				state: payload.payload,
			};
		}
		default:
			return { ...at, type: 'other', event };
	}
}

// Server → client ---------------------------------------------------------------------------------

export type PresenceMeta = JsonObject & { phx_ref: string; phx_ref_prev?: string };
export type PresenceState = Record<string, { metas: PresenceMeta[] }>;
export interface PresenceDiff {
	joins: PresenceState;
	leaves: PresenceState;
}

export interface SystemPayload {
	extension: 'system' | 'postgres_changes';
	status: 'ok' | 'error';
	message: string;
	channel?: string;
}

// An error's response is usually `{reason}`; Realtime's broadcast size refusal replies with a bare atom (a string).
export type ReplyPayload =
	{ status: 'ok'; response: JsonObject } | { status: 'error'; response: { reason: string } | string };

export interface BroadcastPayload {
	type: 'broadcast';
	event: string;
	payload: unknown;
	meta?: JsonObject;
}

/** What the server sends on a topic, before it is addressed (refs and topic). */
export type ServerEvent =
	| { event: 'phx_reply'; payload: ReplyPayload }
	| { event: 'phx_close'; payload: JsonObject }
	| { event: 'presence_state'; payload: PresenceState }
	| { event: 'presence_diff'; payload: PresenceDiff }
	| { event: 'system'; payload: SystemPayload }
	| { event: 'broadcast'; payload: BroadcastPayload };

export type ServerFrame = Addressed & ServerEvent;

export const reply = (to: Addressed, payload: ReplyPayload): ServerFrame => ({
	joinRef: to.joinRef,
	ref: to.ref,
	topic: to.topic,
	event: 'phx_reply',
	payload,
});

export const replyOk = (to: Addressed, response: JsonObject = {}): ServerFrame => reply(to, { status: 'ok', response });

export const replyError = (to: Addressed, reason: string): ServerFrame =>
	reply(to, { status: 'error', response: { reason } });

// Guards --------------------------------------------------------------------------------------------

export const isJsonObject = (value: unknown): value is JsonObject =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
export const isRef = (value: unknown): value is Ref => value === null || typeof value === 'string';
/** Realtime casts join-config booleans "FlexibleBoolean"-style: `true` and `"true"` both count. */
export const flexibleBoolean = (value: unknown): boolean => value === true || value === 'true';
