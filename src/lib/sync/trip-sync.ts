// TripSync, the composition root (as automerge-repo's Repo.ts is for it): one per signed-in user
// on a device. It owns the automerge-repo Repo (IndexedDB storage, BroadcastChannel to the user's
// other tabs), the SyncStore, the TripServer, one Replica per open trip, the triggers (online,
// visibility/focus, a 30 s interval, "sync now", the service worker's hook) and the sync state.
// Everything is keyed by user id: the Repo's database, the store, the channel and lock names.
import * as A from '@automerge/automerge';
import { Repo, type DocHandle } from '@automerge/automerge-repo';
import { BroadcastChannelNetworkAdapter } from '@automerge/automerge-repo-network-broadcastchannel';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import type { SupabaseClient } from '@supabase/supabase-js';
import { GENESIS_CHANGE } from '../trip/genesis';
import { newTripId, tripIdToDocumentId, type TripId } from '../trip/ids';
import { adoptTrips, docsDatabaseName } from './adopt';
import { changeHash } from './bytes';
import type { ServerInfo } from './cycle';
import { presencePayload, presentPeople, type Editing, type PresentPerson } from './presence';
import { Replica, type ReplicaState } from './replica';
import type { RetryOptions } from './retry';
import { supabaseTripServer, type TripServer, type TripStatusRow } from './server';
import { HISTORY_LIMIT, overallOf, StateCell, type OverallSyncState, type StorageWarning, type SyncRun } from './state';
import { openStoredHandle } from './open-doc';
import { openIndexedDbSyncStore, type SyncStore } from './store';
import { watchStorage, type StorageLike } from './storage-watch';

/** This client's presence on one trip (TripSync.presence). */
export interface TripPresence {
	/** Declares this client here, editing `editing` (null: just looking). */
	setEditing(editing: Editing): void;
	/** Stops declaring this client (it still hears the others). */
	leave(): void;
	close(): Promise<void>;
}

export interface TripSyncOptions {
	/** The signed-in user this engine syncs for; every name below is keyed by it. */
	userId: string;
	/** The app's supabase-js client (src/lib/supabase); or give `server` directly. */
	supabase?: SupabaseClient;
	server?: TripServer;
	/** Prefix for database, channel and lock names: lets tests run several "devices" in one process. */
	scope?: string;
	/** IndexedDB for the SyncStore (default: the global one; the Repo always uses the global one). */
	indexedDB?: IDBFactory;
	/** Sync with this user's other tabs over BroadcastChannel (default true). */
	tabs?: boolean;
	/**
	 * The trip model's genesis change (default GENESIS_CHANGE): every trip starts from it; only the
	 * trip's creator pushes it, as the trip's first change. null: trips start empty.
	 */
	genesis?: Uint8Array | null;
	/** The document's trip name, for trips.name (default: doc.meta.name). */
	docName?: (doc: unknown) => string | null;
	countConflicts?: (doc: unknown) => number;
	retry?: Partial<RetryOptions>;
	/** Background sync interval while open (default 30 s; 0 turns it off). */
	intervalMs?: number;
	/** Listen to window online/offline, visibility and focus (default: when a window exists). */
	windowEvents?: boolean;
	/** navigator.storage or a stand-in (default: navigator.storage when present). */
	storage?: StorageLike | null;
}

const statusMap = (rows: TripStatusRow[]): Map<string, ServerInfo> =>
	new Map(rows.map((r) => [r.tripId, { role: r.role, lastSeq: r.lastSeq, snapshotSeq: r.snapshotSeq }]));

const defaultDocName = (doc: unknown): string | null => {
	const name = (doc as { meta?: { name?: unknown } } | null)?.meta?.name;
	return typeof name === 'string' ? name : null;
};

export class TripSync {
	readonly userId: string;
	readonly repo: Repo;
	readonly store: SyncStore;
	readonly server: TripServer;
	readonly #o: TripSyncOptions;
	readonly #storageAdapter: IndexedDBStorageAdapter;
	readonly #replicas = new Map<string, Replica>();
	readonly #openDocs = new Set<string>();
	readonly #opening = new Map<string, Promise<Replica>>();
	readonly #tripStates: Record<string, ReplicaState & { tripId: string }> = {};
	readonly #state: StateCell<OverallSyncState>;
	readonly #history: SyncRun[] = [];
	readonly #cleanups: (() => void)[] = [];
	#online = true;
	#storageWarnings: StorageWarning[] = [];
	#status: Promise<Map<string, ServerInfo>> | null = null;

	private constructor(o: TripSyncOptions, store: SyncStore, server: TripServer) {
		this.#o = o;
		this.userId = o.userId;
		this.store = store;
		this.server = server;
		const scope = o.scope ?? '';
		this.#storageAdapter = new IndexedDBStorageAdapter(docsDatabaseName(o.userId, scope));
		this.repo = new Repo({
			storage: this.#storageAdapter,
			network:
				o.tabs === false
					? []
					: [new BroadcastChannelNetworkAdapter({ channelName: `tripmate-tabs:${scope}${o.userId}` })],
			// A tab offers its other tabs only the trips it has open: announcing every cached document
			// would make each new tab sync every trip the others ever touched.
			shareConfig: {
				announce: async (_peer, documentId) => documentId !== undefined && this.#openDocs.has(documentId),
				access: async () => true,
			},
		});
		this.#state = new StateCell(overallOf({}, true));
	}

	static async start(o: TripSyncOptions): Promise<TripSync> {
		const server = o.server ?? (o.supabase ? supabaseTripServer(o.supabase) : null);
		if (!server) throw new Error('TripSync needs a supabase client or a TripServer');
		const store = await openIndexedDbSyncStore(o.userId, { scope: o.scope, indexedDB: o.indexedDB });
		const sync = new TripSync(o, store, server);
		sync.#attachTriggers();
		return sync;
	}

	/** The overall state (per trip under `.trips`), store-contract compatible: subscribe / get. */
	get state(): Pick<StateCell<OverallSyncState>, 'subscribe' | 'get'> {
		return this.#state;
	}

	/** The latest sync runs, newest last (at most HISTORY_LIMIT). */
	history(): SyncRun[] {
		return [...this.#history];
	}

	/**
	 * Creates a trip on this device (offline too): the genesis change if the model has one, then
	 * `init` as this device's first change. create_trip runs with the first sync.
	 */
	async createTrip<T>({ tripId = newTripId(), init }: { tripId?: TripId; init?: A.ChangeFn<T> } = {}): Promise<TripId> {
		const genesis = this.#o.genesis === undefined ? GENESIS_CHANGE : this.#o.genesis;
		await this.store.updateTrip(tripId, {
			createdHere: true,
			genesisHash: genesis ? await changeHash(genesis) : null,
		});
		await this.open(tripId, { initial: genesis });
		if (init) await this.change<T>(tripId, init);
		return tripId;
	}

	/** Opens a trip (loading it from IndexedDB, or empty for a first pull) and starts syncing it. */
	async open<T>(tripId: string, { initial = null }: { initial?: Uint8Array | null } = {}): Promise<DocHandle<T>> {
		const existing = this.#replicas.get(tripId) ?? (await this.#opening.get(tripId));
		if (existing && !existing.stopped) return existing.handle as DocHandle<T>;
		const opening = this.#openReplica(tripId, initial);
		this.#opening.set(tripId, opening);
		try {
			return (await opening).handle as DocHandle<T>;
		} finally {
			this.#opening.delete(tripId);
		}
	}

	async #openReplica(tripId: string, initial: Uint8Array | null): Promise<Replica> {
		const documentId = tripIdToDocumentId(tripId as TripId);
		this.#openDocs.add(documentId);
		const handle = await openStoredHandle(this.repo, this.#storageAdapter, documentId, initial);
		const replica = new Replica({
			tripId,
			userId: this.userId,
			scope: this.#o.scope ?? '',
			repo: this.repo,
			handle,
			server: this.server,
			store: this.store,
			retry: this.#o.retry ?? {},
			isOnline: () => this.#online,
			docName: this.#o.docName ?? defaultDocName,
			countConflicts: this.#o.countConflicts,
			onState: (s) => this.#onTripState(tripId, s),
			onRun: (run) => this.#onRun(run),
			refreshInfo: () => this.#infoFor(tripId),
		});
		await replica.start();
		await replica.ensureActor();
		this.#replicas.set(tripId, replica);
		replica.request('start');
		return replica;
	}

	/**
	 * Edits a trip. The handle's actor is recorded durably before its first change (so the change
	 * is pushed after any crash); a viewer's edit is refused here, before it is made.
	 */
	async change<T>(tripId: string, fn: A.ChangeFn<T>, options: A.ChangeOptions<T> = {}): Promise<void> {
		const replica = this.#replicas.get(tripId) ?? (await this.open(tripId), this.#replicas.get(tripId)!);
		if (replica.stopped) throw new Error('this trip is no longer synced (removed or deleted)');
		if (replica.role === 'viewer') throw new Error('read-only: you can view this trip but not edit it');
		await replica.ensureActor();
		(replica.handle as DocHandle<T>).change(fn, options);
	}

	/**
	 * After a guest signed in to this existing account on this device (AppAuth's 'claimed' change,
	 * once the server moved the guest's trips): takes over the guest's local trips, so the guest's
	 * unsynced edits are pushed as this account. Opens each adopted trip; returns their ids.
	 */
	async adoptUser(fromUserId: string): Promise<string[]> {
		if (fromUserId === this.userId) return [];
		const scope = this.#o.scope ?? '';
		const target = { repo: this.repo, storage: this.#storageAdapter, store: this.store, scope };
		const ids = await adoptTrips(fromUserId, { ...target, indexedDB: this.#o.indexedDB });
		for (const id of ids) {
			// An open replica read its actors and metadata at start: restart it on the adopted ones,
			// scanning the whole document (its stop recorded a scan marker under the old actors).
			if (this.#replicas.has(id)) {
				await this.close(id);
				await this.store.updateTrip(id, { scanned: null });
			}
			await this.open(id);
		}
		return ids;
	}

	/** Runs a sync cycle now (one trip, or every open one) and waits for it. */
	async syncNow(tripId?: string): Promise<void> {
		const targets = tripId ? [this.#replicas.get(tripId)].filter((r) => r !== undefined) : [...this.#replicas.values()];
		for (const r of targets) r.request('manual');
		await Promise.all(targets.map((r) => r.whenIdle()));
	}

	/** A trigger from outside: 'visible', 'focus', 'service-worker', ... syncs every open trip. */
	notify(trigger: string): void {
		for (const r of this.#replicas.values()) r.request(trigger);
	}

	/**
	 * Merges document chunks the service worker stored for a trip (its background catch-up moved
	 * the cursor past them): an open trip shows them at once instead of at the next load.
	 */
	async mergeStored(tripId: string, keys: string[][]): Promise<void> {
		const replica = this.#replicas.get(tripId);
		if (!replica || replica.stopped || keys.length === 0) return;
		const parts = (await Promise.all(keys.map((k) => this.#storageAdapter.load(k)))).filter((b) => b !== undefined);
		if (parts.length > 0) replica.handle.update((doc) => parts.reduce((d, bin) => A.loadIncremental(d, bin), doc));
	}

	/** Network availability (the window's online/offline events, or a test's switch). */
	setOnline(online: boolean): void {
		const was = this.#online;
		this.#online = online;
		if (online && !was) this.notify('online');
		if (!online)
			for (const [id, s] of Object.entries(this.#tripStates))
				this.#onTripState(id, { ...s, status: { kind: 'offline' } });
	}

	/** Resolves when no trip has a cycle running or queued and every edit is in the outbox. */
	async whenIdle(): Promise<void> {
		await Promise.all([...this.#replicas.values()].map((r) => r.whenIdle()));
	}

	/** The change sets of a trip not yet on the server (e.g. to export after being removed). */
	async unsynced(tripId: string): Promise<Uint8Array[]> {
		return (await this.store.outbox(tripId)).map((e) => e.bytes);
	}

	/**
	 * Who pushed each change of a trip, by change hash, as the server recorded it (pull_changes'
	 * author_id; our own pushes are ours). The only authorship to show: a document's own claim
	 * (its actors map, a change message) is whatever its writer put there. Changes that came in
	 * a snapshot have no entry.
	 */
	async authors(tripId: string): Promise<Map<string, string>> {
		return this.store.authors(tripId);
	}

	/**
	 * Presence on a trip, over the same Realtime channel as its sync hints: `onPeople` hears who
	 * is here (one entry per user, this one included once `setEditing` has been called); returns
	 * null when the server has no presence. Anyone may claim anything in presence: show names from
	 * profiles of members only.
	 */
	presence(tripId: string, onPeople: (people: PresentPerson[]) => void): TripPresence | null {
		const sub = this.server.presence?.(tripId, (state) => onPeople(presentPeople(state)));
		if (!sub) return null;
		return {
			setEditing: (editing) => sub.track(presencePayload(this.userId, editing)),
			leave: () => sub.track(null),
			close: () => sub.close(),
		};
	}

	/** The trips this user belongs to (sync_status), e.g. to open each at start. */
	async serverTrips(): Promise<string[]> {
		return (await this.serverTripList()).map((r) => r.tripId);
	}

	/**
	 * The trips this user belongs to with what the server knows of each (name, role, last seq,
	 * member count): the trips list shows role and trips not yet on this device from it.
	 */
	async serverTripList(): Promise<TripStatusRow[]> {
		const rows = this.server.status();
		this.#status = rows.then((r) => statusMap(r));
		this.#status.catch(() => (this.#status = null));
		return rows;
	}

	async close(tripId: string): Promise<void> {
		const r = this.#replicas.get(tripId);
		this.#replicas.delete(tripId);
		this.#openDocs.delete(tripIdToDocumentId(tripId as TripId));
		await r?.whenIdle();
		await r?.stop();
	}

	async shutdown(): Promise<void> {
		for (const c of this.#cleanups.splice(0)) c();
		const replicas = [...this.#replicas.values()];
		this.#replicas.clear();
		// Cycles under way finish (their merges are stored); a retry still waiting on a failing network
		// is not waited for: shutdown must not hang, and the outbox keeps what was not pushed.
		await Promise.all(replicas.map((r) => r.settle()));
		await Promise.all(replicas.map((r) => r.stop()));
		await this.repo.flush();
		await this.repo.shutdown();
		this.store.close();
	}

	async #loadStatus(fresh = false): Promise<Map<string, ServerInfo>> {
		if (fresh || !this.#status) {
			this.#status = this.server.status().then(statusMap);
			this.#status.catch(() => (this.#status = null));
		}
		return this.#status;
	}

	async #infoFor(tripId: string): Promise<ServerInfo | null | 'absent'> {
		try {
			return (await this.#loadStatus(true)).get(tripId) ?? 'absent';
		} catch {
			return null; // unknown for now (offline); the cycle's own calls will say more
		}
	}

	#onTripState(tripId: string, s: ReplicaState): void {
		this.#tripStates[tripId] = { ...s, tripId };
		this.#publish();
	}

	#publish(): void {
		const trips = Object.fromEntries(
			Object.entries(this.#tripStates).map(([id, s]) => [
				id,
				{ ...s, storage: s.pending > 0 ? this.#storageWarnings : [] },
			]),
		);
		this.#state.set(overallOf(trips, this.#online));
	}

	#onRun(run: SyncRun): void {
		this.#history.push(run);
		if (this.#history.length > HISTORY_LIMIT) this.#history.splice(0, this.#history.length - HISTORY_LIMIT);
	}

	#attachTriggers(): void {
		const interval = this.#o.intervalMs ?? 30_000;
		if (interval > 0) {
			const timer = setInterval(() => this.notify('interval'), interval);
			this.#cleanups.push(() => clearInterval(timer));
		}
		const win = (globalThis as { window?: Window }).window;
		if ((this.#o.windowEvents ?? win !== undefined) && win) {
			this.#online = win.navigator?.onLine ?? true;
			const on = (target: EventTarget, event: string, fn: () => void) => {
				target.addEventListener(event, fn);
				this.#cleanups.push(() => target.removeEventListener(event, fn));
			};
			on(win, 'online', () => this.setOnline(true));
			on(win, 'offline', () => this.setOnline(false));
			on(win, 'focus', () => this.notify('focus'));
			on(win.document, 'visibilitychange', () => {
				if (win.document.visibilityState === 'visible') this.notify('visible');
			});
		}
		const storage =
			this.#o.storage === undefined
				? ((globalThis as { navigator?: { storage?: StorageLike } }).navigator?.storage ?? null)
				: this.#o.storage;
		if (storage) {
			const stop = watchStorage(storage, (w) => {
				this.#storageWarnings = w;
				this.#publish();
			});
			this.#cleanups.push(stop);
		}
	}
}
