// TripServer: the trip log as the sync engine sees it (B2's contract), and its one implementation
// over supabase-js (RPC + a private Realtime channel per trip). Every Realtime message is only a
// hint: any editor can broadcast on the channel, so nothing here trusts a message's content.
import type { SupabaseClient } from '@supabase/supabase-js';
import { fromBase64, toBase64 } from './bytes';
import { ServerCallError, type CallFailure } from './errors';
import { useTripChannel } from './trip-channel';

export type TripRole = 'owner' | 'editor' | 'viewer';

export interface PushedRow {
	seq: number;
	hash: string;
}

export interface PulledRow {
	seq: number;
	hash: string;
	/** null when the server sent text that is not base64 (quarantined by the caller). */
	data: Uint8Array | null;
	/** B2 adds the author; older servers send none. */
	authorId: string | null;
}

export interface ServerSnapshot {
	seq: number;
	data: Uint8Array;
	/** The log's heads at `seq`, when the server knows them (B2); without them it cannot be trusted. */
	heads: string[] | null;
}

export interface TripStatusRow {
	tripId: string;
	name: string;
	role: TripRole;
	lastSeq: number;
	snapshotSeq: number;
	memberCount: number;
}

export type Hint =
	| { kind: 'changes'; toSeq: number; authorIds: string[] }
	| { kind: 'membership' }
	/** The channel (re)joined: anything may have happened while it was away. */
	| { kind: 'joined' }
	| { kind: 'left'; reason: string };

export interface HintSubscription {
	close(): Promise<void>;
}

/**
 * Realtime presence on the trip's channel: presence key → the metas each connection declared.
 * Self-declared by whoever connected: every field is a claim (see presence.ts).
 */
export type PresenceState = Record<string, Record<string, unknown>[]>;

export interface PresenceSubscription {
	/** What this client declares while on the trip (null: nothing, it observes only). */
	track(payload: Record<string, unknown> | null): void;
	close(): Promise<void>;
}

export interface TripServer {
	/** The signed-in user now (null: none). Checked before every push. */
	currentUser(): Promise<string | null>;
	/** Refreshes the session after a 401; false when it could not. */
	refreshSession(): Promise<boolean>;
	createTrip(tripId: string, name: string): Promise<void>;
	setTripName(tripId: string, name: string): Promise<void>;
	push(tripId: string, changes: readonly Uint8Array[]): Promise<PushedRow[]>;
	pull(tripId: string, afterSeq: number, limit?: number): Promise<PulledRow[]>;
	status(): Promise<TripStatusRow[]>;
	snapshot(tripId: string): Promise<ServerSnapshot | null>;
	putSnapshot(tripId: string, seq: number, data: Uint8Array): Promise<void>;
	hints(tripId: string, onHint: (hint: Hint) => void): HintSubscription;
	/** Presence on the same channel as the hints (servers without Realtime presence leave it out). */
	presence?(tripId: string, onPresence: (state: PresenceState) => void): PresenceSubscription;
}

type RpcResult = { data: unknown; error: { message: string; code?: string } | null; status: number };

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export interface TripServerOptions {
	/**
	 * Longest a call may take before it counts as a network failure (and is retried). fetch has no
	 * timeout of its own: a connection that stalls without resetting would hang the cycle forever.
	 */
	timeoutMs?: number;
}

/** TripServer over the app's supabase-js client (the engine never creates one). */
export function supabaseTripServer(client: SupabaseClient, { timeoutMs = 30_000 }: TripServerOptions = {}): TripServer {
	async function call(operation: string, args: Record<string, unknown>): Promise<unknown> {
		let result: RpcResult;
		try {
			result = (await client.rpc(operation, args).abortSignal(AbortSignal.timeout(timeoutMs))) as RpcResult;
		} catch (e) {
			// supabase-js resolves network failures with status 0, but a throwing custom fetch or an
			// aborted request may still reject: both mean no answer came.
			throw new ServerCallError(operation, { status: 0, message: e instanceof Error ? e.message : String(e) });
		}
		if (result.error) {
			const failure: CallFailure = {
				status: result.status ?? 0,
				code: result.error.code,
				message: result.error.message,
			};
			throw new ServerCallError(operation, failure);
		}
		return result.data;
	}

	return {
		async currentUser() {
			// getSession waits for supabase-js's auth lock (a refresh in flight holds it): bounded too.
			const { data } = await bounded('getSession', client.auth.getSession(), timeoutMs);
			return data.session?.user.id ?? null;
		},
		async refreshSession() {
			const { error } = await bounded('refreshSession', client.auth.refreshSession(), timeoutMs);
			return !error;
		},
		async createTrip(tripId, name) {
			await call('create_trip', { p_trip_id: tripId, p_name: name });
		},
		async setTripName(tripId, name) {
			await call('set_trip_name', { p_trip_id: tripId, p_name: name });
		},
		async push(tripId, changes) {
			const rows = (await call('push_changes', { p_trip_id: tripId, p_changes: changes.map(toBase64) })) as {
				seq: unknown;
				hash: string;
			}[];
			return rows.map((r) => ({ seq: num(r.seq), hash: r.hash }));
		},
		async pull(tripId, afterSeq, limit = 1000) {
			const rows = (await call('pull_changes', {
				p_trip_id: tripId,
				p_after_seq: afterSeq,
				p_limit: limit,
			})) as { seq: unknown; hash: string; data: string; author_id?: string | null }[];
			return rows.map((r) => ({
				seq: num(r.seq),
				hash: String(r.hash).toLowerCase(),
				data: typeof r.data === 'string' ? fromBase64(r.data) : null,
				authorId: r.author_id ?? null,
			}));
		},
		async status() {
			const rows = (await call('sync_status', {})) as Record<string, unknown>[];
			return rows.map((r) => ({
				tripId: String(r.trip_id),
				name: String(r.name ?? ''),
				role: r.role as TripRole,
				lastSeq: num(r.last_seq),
				snapshotSeq: num(r.snapshot_seq ?? 0),
				memberCount: num(r.member_count ?? 0),
			}));
		},
		async snapshot(tripId) {
			const rows = (await call('get_snapshot', { p_trip_id: tripId })) as {
				seq: unknown;
				data: string;
				heads?: string[] | null;
			}[];
			const row = rows[0];
			if (!row) return null;
			const data = fromBase64(row.data);
			if (!data) return null;
			return { seq: num(row.seq), data, heads: Array.isArray(row.heads) ? row.heads.map(String) : null };
		},
		async putSnapshot(tripId, seq, data) {
			await call('put_snapshot', { p_trip_id: tripId, p_seq: seq, p_data: toBase64(data) });
		},
		hints(tripId, onHint) {
			return subscribeHints(client, tripId, onHint);
		},
		presence(tripId, onPresence) {
			return subscribePresence(client, tripId, onPresence);
		},
	};
}

/** Rejects with a retryable network failure when `promise` takes longer than `ms`. */
function bounded<T>(operation: string, promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new ServerCallError(operation, { status: 0, message: `no answer in ${ms} ms` })),
			ms,
		);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function subscribeHints(client: SupabaseClient, tripId: string, onHint: (hint: Hint) => void): HintSubscription {
	let broken = false;
	const use = useTripChannel(client, tripId, (e) => {
		if (e.kind === 'joined') {
			broken = false;
			onHint({ kind: 'joined' });
		} else if (e.kind === 'left') {
			broken = true;
			onHint({ kind: 'left', reason: e.reason });
		} else if (e.kind === 'broadcast' && e.event === 'changes') {
			const p = e.payload;
			const toSeq = num(p.to_seq);
			// A hint that is not even well formed is dropped: it cannot say anything we would act on.
			if (!Number.isSafeInteger(toSeq) || toSeq < 0) return;
			const authorIds = Array.isArray(p.author_ids)
				? p.author_ids.map(String)
				: typeof p.author_id === 'string'
					? [p.author_id]
					: [];
			onHint({ kind: 'changes', toSeq, authorIds });
		} else if (e.kind === 'broadcast' && e.event === 'membership') onHint({ kind: 'membership' });
	});
	return {
		// A channel that failed is joined afresh for whoever else uses it (presence).
		close: () => use.close({ rejoin: broken }),
	};
}

function subscribePresence(
	client: SupabaseClient,
	tripId: string,
	onPresence: (state: PresenceState) => void,
): PresenceSubscription {
	const use = useTripChannel(client, tripId, (e) => {
		if (e.kind === 'presence') onPresence(e.state);
		else if (e.kind === 'left') onPresence({});
	});
	queueMicrotask(() => onPresence(use.presenceState()));
	return { track: (payload) => use.track(payload), close: () => use.close() };
}
