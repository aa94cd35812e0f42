// The one Realtime channel per trip and client. realtime-js keeps a single channel per topic and
// client, and both the sync engine's hints and presence live on `trip:<id>`: so each trip's channel
// is shared, counted by its users, and removed when the last one goes. Presence is enabled at join
// (realtime-js decides at subscribe time), so a presence observer may come after the hints.
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';

export type ChannelEvent =
	| { kind: 'broadcast'; event: string; payload: Record<string, unknown> }
	| { kind: 'joined' }
	| { kind: 'left'; reason: string }
	| { kind: 'presence'; state: Record<string, Record<string, unknown>[]> };

export interface ChannelUse {
	/** Presence to declare for this client while the channel is joined (null: none). */
	track(payload: Record<string, unknown> | null): void;
	/** The channel's presence state now ({} before the first sync). */
	presenceState(): Record<string, Record<string, unknown>[]>;
	/**
	 * Stops listening. `rejoin`: the channel had failed and the caller wants a fresh one; users that
	 * remain get it (joined again), as will the caller's next `use`.
	 */
	close(options?: { rejoin?: boolean }): Promise<void>;
}

interface Entry {
	channel: RealtimeChannel;
	joined: boolean;
	listeners: Set<(e: ChannelEvent) => void>;
	tracked: Map<(e: ChannelEvent) => void, Record<string, unknown>>;
}

const registries = new WeakMap<SupabaseClient, Map<string, Entry>>();

function registryOf(client: SupabaseClient): Map<string, Entry> {
	let r = registries.get(client);
	if (!r) registries.set(client, (r = new Map()));
	return r;
}

/** What this client declares: the latest tracked payload of any of its users of the channel. */
function declared(entry: Entry): Record<string, unknown> | null {
	return [...entry.tracked.values()].at(-1) ?? null;
}

function join(client: SupabaseClient, tripId: string, entry: Omit<Entry, 'channel' | 'joined'>): Entry {
	const channel = client.channel(`trip:${tripId}`, {
		config: { private: true, broadcast: { self: false }, presence: { key: '', enabled: true } },
	});
	const e: Entry = { ...entry, channel, joined: false };
	const emit = (event: ChannelEvent) => {
		for (const l of [...e.listeners]) l(event);
	};
	channel.on('broadcast', { event: '*' }, (message) =>
		emit({
			kind: 'broadcast',
			event: String(message.event),
			payload: (message.payload ?? {}) as Record<string, unknown>,
		}),
	);
	channel.on('presence', { event: 'sync' }, () =>
		emit({ kind: 'presence', state: channel.presenceState() as Record<string, Record<string, unknown>[]> }),
	);
	channel.subscribe((status, error) => {
		if (e.channel !== channel) return;
		if (status === 'SUBSCRIBED') {
			e.joined = true;
			const payload = declared(e);
			if (payload) void channel.track(payload);
			emit({ kind: 'joined' });
		} else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
			e.joined = false;
			if (status !== 'CLOSED') emit({ kind: 'left', reason: error?.message ?? status });
		}
	});
	return e;
}

/** Starts using trip `tripId`'s channel on `client` (joining it if nobody here has yet). */
export function useTripChannel(
	client: SupabaseClient,
	tripId: string,
	listener: (e: ChannelEvent) => void,
): ChannelUse {
	const registry = registryOf(client);
	let entry = registry.get(tripId);
	if (!entry) {
		entry = join(client, tripId, { listeners: new Set(), tracked: new Map() });
		registry.set(tripId, entry);
	}
	// Each use gets its own wrapper, so one listener function may be used twice.
	const own = (e: ChannelEvent) => listener(e);
	entry.listeners.add(own);
	// A channel others already joined: this user hears "joined" as if it had joined it.
	if (entry.joined) queueMicrotask(() => registry.get(tripId)?.listeners.has(own) && own({ kind: 'joined' }));
	const current = () => registry.get(tripId);
	return {
		track(payload) {
			const e = current();
			if (!e || !e.listeners.has(own)) return;
			if (payload) e.tracked.set(own, payload);
			else e.tracked.delete(own);
			if (!e.joined) return;
			const now = declared(e);
			void (now ? e.channel.track(now) : e.channel.untrack());
		},
		presenceState() {
			return (current()?.channel.presenceState() ?? {}) as Record<string, Record<string, unknown>[]>;
		},
		async close({ rejoin = false } = {}) {
			const e = current();
			if (!e || !e.listeners.delete(own)) return;
			const hadTracked = e.tracked.delete(own);
			if (e.listeners.size === 0) {
				registry.delete(tripId);
				await client.removeChannel(e.channel);
				return;
			}
			if (rejoin) {
				registry.delete(tripId);
				await client.removeChannel(e.channel);
				const other = registry.get(tripId); // someone joined a fresh one meanwhile: move over
				if (other) {
					for (const l of e.listeners) other.listeners.add(l);
					for (const [l, t] of e.tracked) other.tracked.set(l, t);
					return;
				}
				registry.set(tripId, join(client, tripId, { listeners: e.listeners, tracked: e.tracked }));
			} else if (hadTracked && e.joined) {
				const now = declared(e);
				void (now ? e.channel.track(now) : e.channel.untrack());
			}
		},
	};
}
