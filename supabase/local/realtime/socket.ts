import WebSocket from 'ws';
import { Channel, type ChannelHost } from './channel.ts';
import { errorMessage, type RealtimeDeps } from './deps.ts';
import { LIMIT_ERRORS } from './limits.ts';
import { replyError, replyOk, type ClientMessage, type ServerFrame, type Vsn } from './messages.ts';
import { decodeFrame, encodeFrame } from './serializer.ts';

/** Phoenix closes a socket that sent nothing (not even a heartbeat, every 25 s) for this long. */
export const IDLE_TIMEOUT_MS = 60_000;
/** A client that stops reading must not make the server buffer without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

const WS_INVALID_PAYLOAD = 1007;
const WS_INTERNAL_ERROR = 1011;

/** One WebSocket connection: heartbeats, and the channels joined on it by topic. */
export class Connection implements ChannelHost {
	readonly #channels = new Map<string, Channel>();
	#lastSeen = Date.now();

	constructor(
		private readonly ws: WebSocket,
		readonly vsn: Vsn,
		readonly apiKey: string,
		readonly headers: Record<string, string>,
		private readonly deps: RealtimeDeps,
		onClosed: (connection: Connection) => void,
	) {
		ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
		// ws emits 'error' for protocol violations (e.g. a frame over maxPayload) and then closes.
		ws.on('error', (err) => deps.log(`realtime: socket error: ${err.message}`));
		ws.on('close', () => {
			for (const channel of [...this.#channels.values()]) channel.dispose();
			onClosed(this);
		});
	}

	send(frame: ServerFrame): void {
		this.write(encodeFrame(frame, this.vsn));
	}

	write(data: string | Buffer): void {
		if (this.ws.readyState !== WebSocket.OPEN) return;
		if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
			this.deps.log('realtime: dropping a client that does not read its messages');
			this.ws.terminate();
			return;
		}
		this.ws.send(data);
	}

	/** Realtime's join limits, in its order: concurrent users, joins per second, channels per socket. */
	#limitJoin(): string | undefined {
		const { limits, users, joinRate } = this.deps;
		if (!users.has(this) && users.size >= limits.maxConcurrentUsers) return LIMIT_ERRORS.tooManyUsers;
		if (joinRate.average() > limits.maxJoinsPerSecond) return LIMIT_ERRORS.tooManyJoins;
		joinRate.add();
		if (this.#channels.size >= limits.maxChannelsPerClient) return LIMIT_ERRORS.tooManyChannels;
		return undefined;
	}

	/** A channel of this socket joined: the socket now counts against `maxConcurrentUsers`. */
	joined(): void {
		this.deps.users.add(this);
	}

	forget(channel: Channel): void {
		if (this.#channels.get(channel.topic) === channel) this.#channels.delete(channel.topic);
	}

	/** Closes the socket if it has been silent too long; called by the service's sweep. */
	closeIfIdle(now: number): void {
		if (now - this.#lastSeen > IDLE_TIMEOUT_MS) this.ws.close(1000, 'idle timeout');
	}

	/** Drops the connection at once, as a crash would (server stop). */
	terminate(): void {
		this.ws.terminate();
	}

	#receive(data: WebSocket.RawData, isBinary: boolean): void {
		this.#lastSeen = Date.now();
		let message: ClientMessage;
		try {
			const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
			message = decodeFrame(buffer, isBinary, this.vsn);
		} catch (err) {
			// Phoenix's socket process crashes on an undecodable frame; the client reconnects.
			this.deps.log(`realtime: closing socket after a malformed frame: ${errorMessage(err)}`);
			this.ws.close(WS_INVALID_PAYLOAD, `malformed frame: ${errorMessage(err)}`.slice(0, 120));
			return;
		}
		try {
			this.#dispatch(message);
		} catch (err) {
			this.deps.log(`realtime: failed to handle a frame: ${err instanceof Error ? err.stack : String(err)}`);
			this.ws.close(WS_INTERNAL_ERROR, 'internal error');
		}
	}

	#dispatch(message: ClientMessage): void {
		if (message.type === 'heartbeat') {
			this.send(replyOk({ joinRef: null, ref: message.ref, topic: 'phoenix' }));
			return;
		}
		if (message.type === 'join') return this.#join(message);
		const channel = this.#channels.get(message.topic);
		if (channel) return channel.handle(message);
		// Leaving a channel the server already closed or refused is fine: say so.
		if (message.type === 'leave') return this.send(replyOk(message));
		if (message.ref !== null) this.send(replyError(message, 'unmatched topic'));
	}

	#join(message: Extract<ClientMessage, { type: 'join' }>): void {
		if (!message.topic.startsWith('realtime:')) return this.send(replyError(message, 'unmatched topic'));
		// A second join on a joined topic closes the old channel first (Phoenix does the same).
		const existing = this.#channels.get(message.topic);
		existing?.closeQuietly();
		const refusal = this.#limitJoin();
		if (refusal) {
			this.send(replyError(message, refusal));
			// Realtime disconnects a socket that joins too fast (a "disconnect" to its transport).
			if (refusal === LIMIT_ERRORS.tooManyJoins) this.ws.close(1000, 'too many joins');
			return;
		}
		const channel = new Channel(this, this.deps, message.topic, message.joinRef, message.payload);
		this.#channels.set(message.topic, channel);
		channel.join(message.ref);
	}
}
