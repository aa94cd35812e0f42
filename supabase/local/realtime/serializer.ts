import {
	isJsonObject,
	isRef,
	toClientMessage,
	type BroadcastBody,
	type ClientMessage,
	type InboundFrame,
	type JsonObject,
	type ServerFrame,
	type Vsn,
} from './messages.ts';

/**
 * Frame codec of realtime-js (protocol reference §3.2): vsn 2.0.0 JSON arrays plus binary kind 3
 * (client → server user broadcast) and kind 4 (server → client user broadcast); vsn 1.0.0 JSON
 * objects. Decoding throws `FrameError` on anything malformed; callers close the socket.
 */

export class FrameError extends Error {
	override name = 'FrameError';
}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;

export function decodeFrame(data: Buffer, isBinary: boolean, vsn: Vsn): ClientMessage {
	if (isBinary) {
		if (vsn !== '2.0.0') throw new FrameError('binary frames need vsn 2.0.0');
		return decodeUserBroadcastPush(data);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(data.toString('utf8'));
	} catch {
		throw new FrameError('text frame is not JSON');
	}
	return toClientMessage(vsn === '2.0.0' ? arrayFrame(parsed) : objectFrame(parsed));
}

function arrayFrame(parsed: unknown): InboundFrame {
	if (!Array.isArray(parsed) || parsed.length !== 5)
		throw new FrameError('expected [join_ref, ref, topic, event, payload]');
	const [joinRef, ref, topic, event, payload] = parsed as unknown[];
	return checked(joinRef, ref, topic, event, payload);
}

function objectFrame(parsed: unknown): InboundFrame {
	if (!isJsonObject(parsed)) throw new FrameError('expected a JSON object frame');
	return checked(parsed.join_ref ?? null, parsed.ref ?? null, parsed.topic, parsed.event, parsed.payload);
}

function checked(joinRef: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown): InboundFrame {
	if (!isRef(joinRef) || !isRef(ref)) throw new FrameError('join_ref and ref must be strings or null');
	if (typeof topic !== 'string' || typeof event !== 'string') throw new FrameError('topic and event must be strings');
	if (!isJsonObject(payload)) throw new FrameError('payload must be a JSON object');
	return { joinRef, ref, topic, event, payload };
}

/** Kind 3: kind, 6 header bytes (lengths + encoding), then join_ref|ref|topic|event|metadata|payload. */
function decodeUserBroadcastPush(data: Buffer): ClientMessage {
	const headerLength = 7;
	if (data.length < headerLength || data[0] !== KIND_USER_BROADCAST_PUSH) {
		throw new FrameError(`unsupported binary frame kind ${data[0] ?? 'none'}`);
	}
	const lengths = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!];
	const encoding = data[6]!;
	let offset = headerLength;
	const fields = lengths.map((length) => {
		if (offset + length > data.length) throw new FrameError('binary frame is shorter than its header says');
		const field = data.toString('utf8', offset, offset + length);
		offset += length;
		return field;
	});
	const [joinRef, ref, topic, event] = fields as [string, string, string, string, string];
	const bytes = data.subarray(offset);
	let body: BroadcastBody;
	if (encoding === ENCODING_JSON) {
		try {
			JSON.parse(bytes.toString('utf8')); // validated once here so no receiver chokes on it
		} catch {
			throw new FrameError('broadcast payload is not JSON');
		}
		body = { kind: 'json', bytes };
	} else if (encoding === ENCODING_BINARY) {
		body = { kind: 'binary', bytes: Buffer.from(bytes) };
	} else {
		throw new FrameError(`unknown payload encoding ${encoding}`);
	}
	// Metadata (only `persist`, for replay) is not supported locally and is ignored.
	return { type: 'broadcast', joinRef: joinRef || null, ref: ref || null, topic, event, body };
}

export function encodeFrame(frame: ServerFrame, vsn: Vsn): string {
	if (vsn === '2.0.0') return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
	return JSON.stringify({
		join_ref: frame.joinRef,
		ref: frame.ref,
		topic: frame.topic,
		event: frame.event,
		payload: frame.payload,
	});
}

/** A user broadcast as a kind-4 frame; null when a field is too long for its uint8 length. */
export function encodeUserBroadcast(
	topic: string,
	event: string,
	body: BroadcastBody,
	meta?: JsonObject,
): Buffer | null {
	const topicBytes = Buffer.from(topic);
	const eventBytes = Buffer.from(event);
	const metaBytes = meta ? Buffer.from(JSON.stringify(meta)) : Buffer.alloc(0);
	if (topicBytes.length > 255 || eventBytes.length > 255 || metaBytes.length > 255) return null;
	const header = Buffer.from([
		KIND_USER_BROADCAST,
		topicBytes.length,
		eventBytes.length,
		metaBytes.length,
		body.kind === 'json' ? ENCODING_JSON : ENCODING_BINARY,
	]);
	return Buffer.concat([header, topicBytes, eventBytes, metaBytes, body.bytes]);
}

/**
 * One outgoing server message shared by many sockets: encoded at most once per protocol version,
 * however many subscribers receive it (the fan-out hot path).
 */
export class SharedFrame {
	#v1: string | Buffer | null | undefined;
	#v2: string | Buffer | null | undefined;
	constructor(private readonly make: (vsn: Vsn) => string | Buffer | null) {}

	/** Null when this protocol cannot carry the message; the fan-out then skips those sockets. */
	for(vsn: Vsn): string | Buffer | null {
		if (vsn === '2.0.0') return this.#v2 === undefined ? (this.#v2 = this.#encode(vsn)) : this.#v2;
		return this.#v1 === undefined ? (this.#v1 = this.#encode(vsn)) : this.#v1;
	}

	// A payload that cannot be re-encoded (e.g. JSON nested deeper than the stack allows) must not
	// stop the fan-out loop for the subscribers after it.
	#encode(vsn: Vsn): string | Buffer | null {
		try {
			return this.make(vsn);
		} catch {
			return null;
		}
	}

	static of(frame: ServerFrame): SharedFrame {
		return new SharedFrame((vsn) => encodeFrame(frame, vsn));
	}

	/** A broadcast to `topic` (with its `realtime:` prefix): kind 4 for vsn 2, text otherwise. */
	static broadcast(topic: string, event: string, body: BroadcastBody, meta?: JsonObject): SharedFrame {
		return new SharedFrame((vsn) => {
			if (vsn === '2.0.0') {
				const binary = encodeUserBroadcast(topic, event, body, meta);
				if (binary) return binary;
			}
			// vsn 1.0.0 has no binary frames: raw-byte payloads cannot reach such clients.
			if (body.kind === 'binary') return null;
			const payload: unknown = JSON.parse(body.bytes.toString('utf8'));
			return encodeFrame(
				{
					joinRef: null,
					ref: null,
					topic,
					event: 'broadcast',
					payload: { type: 'broadcast', event, payload, ...(meta ? { meta } : {}) },
				},
				vsn,
			);
		});
	}
}
