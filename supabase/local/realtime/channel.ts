import { randomUUID } from 'node:crypto';
import type { Caller } from '../callers.ts';
import type { Extension, ReadPermissions } from './authorization.ts';
import { errorMessage, type RealtimeDeps } from './deps.ts';
import { LIMIT_ERRORS, payloadTooLarge, WindowLimit } from './limits.ts';
import { topicKey, type Member } from './hub.ts';
import {
	flexibleBoolean,
	isJsonObject,
	reply,
	replyError,
	replyOk,
	type BroadcastBody,
	type ClientMessage,
	type JsonObject,
	type PresenceDiff,
	type Ref,
	type ServerEvent,
	type ServerFrame,
	type Vsn,
} from './messages.ts';
import { postgresChangesEcho } from './postgres-changes.ts';
import { SharedFrame } from './serializer.ts';
import { checkRealtimeToken } from './tokens.ts';

/** The socket a channel lives on. */
export interface ChannelHost {
	readonly vsn: Vsn;
	/** The connect-time apikey (as a JWT): used when a join carries no usable access_token. */
	readonly apiKey: string;
	/** Upgrade-request headers, passed to RLS probes as `request.headers`. */
	readonly headers: Record<string, string>;
	send(frame: ServerFrame): void;
	write(data: string | Buffer): void;
	/** Drops the channel from the socket's topic map if it is still the current one. */
	forget(channel: Channel): void;
	/** A channel joined: the socket counts as a connected user from now on. */
	joined(): void;
}

const ALL: ReadPermissions = { broadcast: true, presence: true };
const NONE: ReadPermissions = { broadcast: false, presence: false };
// setTimeout overflows past ~24.8 days (long-lived anon keys): such expiry timers re-arm instead.
const MAX_TIMER_MS = 2_147_483_647;

/** One joined topic on one socket (Realtime's `RealtimeChannel` process). */
export class Channel implements Member {
	readonly subTopic: string;
	readonly isPrivate: boolean;
	readonly self: boolean;
	readonly #ack: boolean;
	readonly #presenceKey: string;
	readonly #postgresChanges: JsonObject[];
	#presenceEnabled: boolean;
	#state: 'joining' | 'joined' | 'closed' = 'joining';
	#caller: Caller | undefined;
	#read: ReadPermissions = NONE;
	/** Write-check results (or the check in flight), reset whenever the token changes. */
	readonly #writes = new Map<Extension, boolean | Promise<boolean>>();
	#expiryTimer: NodeJS.Timeout | undefined;
	/** Serializes join / access_token / presence / leave, which await the database. */
	#queue: Promise<void> = Promise.resolve();
	readonly #clientPresence: WindowLimit;
	/** The last tracked payload's JSON: an identical track is a no-op that Realtime does not count. */
	#trackedJson: string | undefined;

	constructor(
		private readonly host: ChannelHost,
		private readonly deps: RealtimeDeps,
		readonly topic: string,
		readonly joinRef: Ref,
		private readonly joinPayload: JsonObject,
	) {
		this.subTopic = topic.slice('realtime:'.length);
		const config = isJsonObject(joinPayload.config) ? joinPayload.config : {};
		const broadcast = isJsonObject(config.broadcast) ? config.broadcast : {};
		const presence = isJsonObject(config.presence) ? config.presence : {};
		this.isPrivate = flexibleBoolean(config.private);
		this.self = flexibleBoolean(broadcast.self);
		this.#ack = flexibleBoolean(broadcast.ack);
		this.#presenceEnabled = flexibleBoolean(presence.enabled);
		// Realtime generates a key per join when none is given (`payloads/join.ex`).
		this.#presenceKey = typeof presence.key === 'string' && presence.key ? presence.key : randomUUID();
		this.#postgresChanges = Array.isArray(config.postgres_changes) ? config.postgres_changes.filter(isJsonObject) : [];
		this.#clientPresence = new WindowLimit(deps.limits.clientPresenceMaxCalls, deps.limits.clientPresenceWindowMs);
	}

	get vsn(): Vsn {
		return this.host.vsn;
	}
	get closed(): boolean {
		return this.#state === 'closed';
	}
	receivesBroadcast(): boolean {
		return this.#state === 'joined' && this.#read.broadcast;
	}
	receivesPresence(): boolean {
		return this.#state === 'joined' && this.#presenceEnabled && this.#read.presence;
	}
	write(data: string | Buffer): void {
		this.host.write(data);
	}

	join(ref: Ref): void {
		this.#enqueue(() => this.#join(ref));
	}

	/** Any message for this topic other than the join. */
	handle(msg: ClientMessage): void {
		switch (msg.type) {
			case 'broadcast':
				return this.#broadcast(msg.ref, msg.event, msg.body);
			case 'presence':
				// Realtime counts every presence message of a channel before looking at it.
				if (!this.#clientPresence.take()) return this.closeWithError(LIMIT_ERRORS.clientPresence);
				return this.#enqueue(() => this.#presence(msg.ref, msg.action, msg.state));
			case 'access_token':
				return this.#enqueue(() => this.#accessToken(msg.token));
			case 'leave':
				return this.#enqueue(async () => this.#leave(msg.ref));
			default:
				// Realtime ignores events it does not know (`handle_in` catch-all: noreply).
				this.deps.log(`realtime: ignoring '${'event' in msg ? msg.event : msg.type}' on ${this.topic}`);
		}
	}

	/** Server-initiated close (token expired, permission lost, replaced): `system` error, then `phx_close`. */
	closeWithError(message: string): void {
		if (this.#state === 'closed') return;
		if (message)
			this.#push({
				event: 'system',
				payload: { extension: 'system', status: 'error', message, channel: this.subTopic },
			});
		this.closeQuietly();
	}

	/** `phx_close` for this join (join_ref and ref both the join ref), then cleanup. */
	closeQuietly(): void {
		if (this.#state === 'closed') return;
		this.host.send({ joinRef: this.joinRef, ref: this.joinRef, topic: this.topic, event: 'phx_close', payload: {} });
		this.dispose();
	}

	/** Releases everything without telling the client (the socket is gone). Presence leaves go to the others. */
	dispose(): void {
		if (this.#state === 'closed') return;
		this.#state = 'closed';
		clearTimeout(this.#expiryTimer);
		this.deps.hub.remove(this);
		this.#publishDiff(this.deps.presence.untrack(topicKey(this.isPrivate, this.subTopic), this));
		this.host.forget(this);
	}

	async #join(ref: Ref): Promise<void> {
		// Replaced by a newer join (or left) while queued: its permission check would only hold a
		// pool connection for nothing, and a client repeating joins could starve the pool.
		if (this.closed) return;
		const at = { joinRef: this.joinRef, ref, topic: this.topic };
		if (!this.subTopic) return this.#refuse(ref, 'TopicNameRequired: You must provide a topic name');
		const given = this.joinPayload.access_token;
		// An sb_ key or no token means "use the socket's apikey" (`assign_access_token`).
		const token = typeof given === 'string' && given && !given.startsWith('sb_') ? given : this.host.apiKey;
		const check = checkRealtimeToken(token, this.deps.config);
		if (!check.ok) return this.#refuse(ref, `InvalidJWTToken: ${check.message}`);
		this.#caller = check.caller;
		const read = this.isPrivate ? await this.#checkRead() : ALL;
		if (this.closed) return; // replaced, left or disconnected meanwhile
		if (!read.broadcast && !read.presence) {
			return this.#refuse(
				ref,
				`Unauthorized: You do not have permissions to read from this Channel topic: ${this.subTopic}`,
			);
		}
		this.#read = read;
		await this.deps.databaseReady();
		if (this.closed) return;
		this.#state = 'joined';
		this.deps.hub.add(this);
		this.host.joined();
		this.host.send(replyOk(at, { postgres_changes: postgresChangesEcho(this.#postgresChanges) }));
		if (this.receivesPresence() && !this.#pushPresenceState()) return;
		if (this.#postgresChanges.length > 0) {
			// Sent so clients using `postgres_changes_options.wait` subscribe; changes themselves are
			// not delivered by the local server (logged once per join so nobody waits in vain).
			this.deps.log(`realtime: postgres_changes requested on ${this.topic}; the local server does not deliver them`);
			this.#push({
				event: 'system',
				payload: {
					extension: 'postgres_changes',
					status: 'ok',
					message: 'Subscribed to PostgreSQL',
					channel: this.subTopic,
				},
			});
		}
		this.#scheduleExpiry(check.exp);
	}

	#refuse(ref: Ref, reason: string): void {
		this.#state = 'closed';
		this.host.forget(this);
		this.host.send(replyError({ joinRef: this.joinRef, ref, topic: this.topic }, reason));
	}

	async #checkRead(): Promise<ReadPermissions> {
		try {
			return await this.deps.authorizer.canRead(this.#caller!, this.subTopic, this.#presenceEnabled, this.host.headers);
		} catch (err) {
			this.deps.log(`realtime: read check for ${this.subTopic} failed: ${errorMessage(err)}`);
			return NONE;
		}
	}

	/** Hot path: synchronous for public channels and for private ones once the write check is cached. */
	#broadcast(ref: Ref, event: string, body: BroadcastBody): void {
		if (this.#state !== 'joined') return;
		if (payloadTooLarge(this.deps.limits, body.bytes.length)) {
			// Dropped; only a client that asked for acks hears why (BroadcastHandler).
			if (this.#ack && ref !== null) {
				const at = { joinRef: this.joinRef, ref, topic: this.topic };
				this.host.send(reply(at, { status: 'error', response: LIMIT_ERRORS.broadcastTooLarge }));
			}
			return;
		}
		const allowed = this.#canWrite('broadcast');
		if (allowed === true) return this.#fanOut(ref, event, body);
		// Denied broadcasts are dropped silently, without an ack even when asked for (§3.8).
		if (allowed === false) return;
		allowed
			.then((ok) => {
				if (ok && this.#state === 'joined') this.#fanOut(ref, event, body);
			})
			.catch((err: unknown) => this.deps.log(`realtime: broadcast on ${this.topic} failed: ${errorMessage(err)}`));
	}

	#fanOut(ref: Ref, event: string, body: BroadcastBody): void {
		this.deps.hub.broadcast(this.isPrivate, this.subTopic, SharedFrame.broadcast(this.topic, event, body), this);
		if (this.#ack && ref !== null) this.host.send(replyOk({ joinRef: this.joinRef, ref, topic: this.topic }));
	}

	async #presence(ref: Ref, action: 'track' | 'untrack' | 'unknown', state: unknown): Promise<void> {
		if (this.#state !== 'joined') return;
		const at = { joinRef: this.joinRef, ref, topic: this.topic };
		if (!(await this.#canWrite('presence'))) {
			return this.host.send(
				replyError(at, `Unauthorized: You do not have permissions to write to this Channel topic: ${this.subTopic}`),
			);
		}
		if (this.#state !== 'joined') return;
		const key = topicKey(this.isPrivate, this.subTopic);
		if (action === 'track') {
			if (!isJsonObject(state)) return this.host.send(replyError(at, 'Presence track payload must be a map'));
			const json = JSON.stringify(state);
			if (json === this.#trackedJson) return this.host.send(replyOk(at));
			if (payloadTooLarge(this.deps.limits, Buffer.byteLength(json))) {
				return this.closeWithError(LIMIT_ERRORS.trackTooLarge);
			}
			if (!this.#countPresenceEvent()) return;
			if (!this.#presenceEnabled) {
				// Tracking enables presence on the channel; the client needs the state before any diff.
				this.#presenceEnabled = true;
				if (this.receivesPresence() && !this.#pushPresenceState()) return;
			}
			this.#trackedJson = json;
			const diff = this.deps.presence.track(key, this, this.#presenceKey, state);
			this.host.send(replyOk(at));
			this.#publishDiff(diff);
		} else if (action === 'untrack') {
			this.#trackedJson = undefined;
			const diff = this.deps.presence.untrack(key, this);
			this.host.send(replyOk(at));
			this.#publishDiff(diff);
		} else {
			this.host.send(replyError(at, 'Unknown presence event'));
		}
	}

	async #accessToken(token: unknown): Promise<void> {
		if (this.#state !== 'joined') return;
		// Realtime ignores sb_ keys, null and an unchanged token (`handle_in("access_token")`).
		if (typeof token !== 'string' || !token || token.startsWith('sb_') || token === this.#caller?.token) return;
		const check = checkRealtimeToken(token, this.deps.config);
		if (!check.ok) return this.closeWithError(check.message);
		this.#caller = check.caller;
		this.#writes.clear();
		this.#scheduleExpiry(check.exp);
		if (!this.isPrivate) return;
		const read = await this.#checkRead();
		if (this.#state !== 'joined') return;
		if (!read.broadcast && !read.presence) {
			return this.closeWithError(`You do not have permissions to read from this Channel topic: ${this.subTopic}`);
		}
		this.#read = read;
	}

	#leave(ref: Ref): void {
		if (this.#state === 'closed') return;
		this.host.send(replyOk({ joinRef: this.joinRef, ref, topic: this.topic }));
		this.closeQuietly();
	}

	#canWrite(extension: Extension): boolean | Promise<boolean> {
		if (!this.isPrivate) return true;
		const cached = this.#writes.get(extension);
		if (cached !== undefined) return cached;
		const check: Promise<boolean> = this.deps.authorizer
			.canWrite(this.#caller!, this.subTopic, extension, this.host.headers)
			.then((allowed) => {
				if (this.#writes.get(extension) === check) this.#writes.set(extension, allowed);
				return allowed;
			})
			.catch((err: unknown) => {
				// Not cached: a database hiccup must not deny this channel for good.
				if (this.#writes.get(extension) === check) this.#writes.delete(extension);
				this.deps.log(`realtime: write check for ${this.subTopic} failed: ${errorMessage(err)}`);
				return false;
			});
		this.#writes.set(extension, check);
		return check;
	}

	#scheduleExpiry(exp: number): void {
		clearTimeout(this.#expiryTimer);
		const delay = exp * 1000 - Date.now();
		this.#expiryTimer = setTimeout(
			() => {
				if (Date.now() < exp * 1000) return this.#scheduleExpiry(exp);
				this.closeWithError(`Token has expired ${Math.floor((Date.now() - exp * 1000) / 1000)} seconds ago`);
			},
			Math.min(Math.max(delay, 0), MAX_TIMER_MS),
		);
		this.#expiryTimer.unref();
	}

	/** The presence state, counted as a presence event (Realtime's `sync`); false if that closed the channel. */
	#pushPresenceState(): boolean {
		if (!this.#countPresenceEvent()) return false;
		this.#push({ event: 'presence_state', payload: this.deps.presence.state(topicKey(this.isPrivate, this.subTopic)) });
		return true;
	}

	/** Realtime's project-wide presence rate: over the limit, the channel shuts down. */
	#countPresenceEvent(): boolean {
		if (this.deps.presenceRate.average() > this.deps.limits.maxPresenceEventsPerSecond) {
			this.closeWithError(LIMIT_ERRORS.tooManyPresence);
			return false;
		}
		this.deps.presenceRate.add();
		return true;
	}

	#publishDiff(diff: PresenceDiff | null): void {
		if (!diff) return;
		const frame: ServerFrame = { joinRef: null, ref: null, topic: this.topic, event: 'presence_diff', payload: diff };
		this.deps.hub.presence(this.isPrivate, this.subTopic, SharedFrame.of(frame));
	}

	/** Messages a channel pushes itself carry its join_ref and no ref (§3.2 ref rules). */
	#push(message: ServerEvent): void {
		this.host.send({ joinRef: this.joinRef, ref: null, topic: this.topic, ...message });
	}

	#enqueue(task: () => Promise<void> | void): void {
		this.#queue = this.#queue.then(task).catch((err: unknown) => {
			this.deps.log(`realtime: channel ${this.topic} failed: ${errorMessage(err)}`);
			this.closeWithError('Internal error');
		});
	}
}
