/**
 * Hosted Realtime's per-project limits (supabase/realtime `Tenant` fields, the Free plan's values
 * from the Realtime limits page) and the rate counter they are measured with, so a client that
 * would be cut off on a hosted project is cut off here too, with the same reply.
 */
export interface RealtimeLimits {
	/** `max_concurrent_users`: sockets with a joined channel, project-wide. */
	maxConcurrentUsers: number;
	/** `max_channels_per_client`: channels joined on one socket. */
	maxChannelsPerClient: number;
	/** `max_joins_per_second`: joins, project-wide, averaged over the counter's window. */
	maxJoinsPerSecond: number;
	/** `max_presence_events_per_second`: presence tracks and states, project-wide, averaged. */
	maxPresenceEventsPerSecond: number;
	/** `client_presence_rate_limit`: presence messages one channel may send per window. */
	clientPresenceMaxCalls: number;
	clientPresenceWindowMs: number;
	/** `max_payload_size_in_kb` (broadcast and presence payloads); Realtime adds 500 bytes of slack. */
	maxPayloadSizeKb: number;
	/** The rate counter's tick: Realtime averages the last 12 ticks of 5 s. Tests shorten it. */
	rateTickMs: number;
}

/** The Free plan's limits (supabase.com/docs/guides/realtime/limits), which every plan admits. */
export const HOSTED_LIMITS: RealtimeLimits = {
	maxConcurrentUsers: 200,
	maxChannelsPerClient: 100,
	maxJoinsPerSecond: 100,
	maxPresenceEventsPerSecond: 20,
	clientPresenceMaxCalls: 5,
	clientPresenceWindowMs: 30_000,
	maxPayloadSizeKb: 256,
	rateTickMs: 5_000,
};

/** Realtime's error replies, as realtime-js receives them (`RealtimeChannel` join and shutdown). */
export const LIMIT_ERRORS = {
	tooManyUsers: 'ConnectionRateLimitReached: Too many connected users',
	tooManyChannels: 'ChannelRateLimitReached: Too many channels',
	tooManyJoins: 'ClientJoinRateLimitReached: Too many joins per second',
	tooManyPresence: 'Too many presence messages per second',
	clientPresence: 'Client presence rate limit exceeded',
	trackTooLarge: 'Track message size exceeded',
	/** The reply to an acked broadcast over the limit (an unacked one is dropped). */
	broadcastTooLarge: 'payload_size_exceeded',
} as const;

const MAX_BUCKETS = 12;

/**
 * Realtime's RateCounter, computed lazily: events are counted per tick; the average is the sum
 * of the last (up to 12) completed ticks divided by their span in seconds. The tick in progress
 * does not count yet, as there, so a burst is judged once its tick completes.
 */
export class RateCounter {
	readonly #tickMs: number;
	readonly #started: number;
	readonly #counts = new Map<number, number>();

	constructor(tickMs: number, now = Date.now()) {
		this.#tickMs = tickMs;
		this.#started = Math.floor(now / tickMs);
	}

	add(now = Date.now()): void {
		const tick = Math.floor(now / this.#tickMs);
		this.#counts.set(tick, (this.#counts.get(tick) ?? 0) + 1);
		for (const old of this.#counts.keys()) if (old < tick - MAX_BUCKETS) this.#counts.delete(old);
	}

	/** Events per second over the completed ticks of the window. */
	average(now = Date.now()): number {
		const current = Math.floor(now / this.#tickMs);
		const buckets = Math.min(current - this.#started, MAX_BUCKETS);
		if (buckets <= 0) return 0;
		let sum = 0;
		for (let tick = current - buckets; tick < current; tick++) sum += this.#counts.get(tick) ?? 0;
		return sum / buckets / (this.#tickMs / 1000);
	}
}

/** Realtime's per-channel presence limit: a fixed window that starts with the first message. */
export class WindowLimit {
	#count = 0;
	#resetAt = -Infinity;

	constructor(
		private readonly max: number,
		private readonly windowMs: number,
	) {}

	/** Counts one call; false when the window's calls are used up. */
	take(now = Date.now()): boolean {
		if (now > this.#resetAt) {
			this.#count = 1;
			this.#resetAt = now + this.windowMs;
			return true;
		}
		if (this.#count >= this.max) return false;
		this.#count++;
		return true;
	}
}

/** Realtime compares `:erlang.external_size(payload)` with the limit plus 500 bytes; JSON size is close. */
export function payloadTooLarge(limits: RealtimeLimits, bytes: number): boolean {
	return bytes > limits.maxPayloadSizeKb * 1000 + 500;
}
