// SyncStore: what the engine keeps per trip beside automerge-repo's document store — the outbox
// (bytes of change sets not yet acknowledged), the cursor, quarantined change sets, the device's
// own actor ids and snapshot digests — in one IndexedDB database per user, so a service worker
// can push the outbox without a Repo. Every method is one transaction.
import { committed, openDatabase, promised } from './idb';

export interface OutboxEntry {
	hash: string;
	/** The writing actor, or null for the model's genesis change (pushed by the trip's creator). */
	actor: string | null;
	seq: number;
	deps: string[];
	bytes: Uint8Array;
}

export interface QuarantineEntry {
	hash: string;
	/** The log's seq for a pulled change; null for a local change the server refused. */
	seq: number | null;
	source: 'server' | 'local';
	reason: string;
	bytes: Uint8Array | null;
	at: number;
}

export interface TripMeta {
	tripId: string;
	/** Highest server seq whose changes are durably merged into the stored document. */
	cursor: number;
	/** Hash of the change at `cursor`; on start, a document without it rewinds the cursor. */
	cursorHash: string | null;
	/** Per own actor, the highest seq the log is known to hold. */
	acked: Record<string, number>;
	/** This device created the trip: it (alone) pushes the genesis change and calls create_trip. */
	createdHere: boolean;
	genesisHash: string | null;
	genesisAcked: boolean;
	serverCreated: boolean;
	/** The name last sent to trips.name. */
	serverName: string | null;
	/** The document has been stored by the Repo at least once (so find() will load it). */
	docStored: boolean;
	/** Change bytes merged or pushed since the server's latest snapshot (upload threshold). */
	bytesSinceSnapshot: number;
	/** Set when the server says we may no longer sync it: the outbox is kept for export. */
	revoked: 'removed' | null;
	/**
	 * Where the last scan for own changes got to, so a restart scans only what is new (a scan of
	 * 20,000 changes costs ~200 ms). null: scan everything.
	 */
	scanned: ScanMarker | null;
}

/**
 * Every change this device may push (own actors' and, for a trip created here, the genesis) that
 * is an ancestor of `heads` is in the outbox, acknowledged or quarantined — for every actor in
 * `actors`, the store's own actors when it was written at `at`. An actor recorded later cannot
 * have written before `heads` (its record precedes its first change). A document without `heads`
 * (storage lost a write), an own actor recorded before `at` but not in `actors` (an adoption), or
 * an entry of `pending` (the outbox then) now neither in the outbox, acknowledged nor quarantined
 * (the outbox lost rows) makes the marker worthless: the scan starts from nothing again.
 */
export interface ScanMarker {
	heads: string[];
	actors: string[];
	at: number;
	pending: { hash: string; actor: string | null; seq: number }[];
}

export interface SnapshotDigest {
	seq: number;
	heads: string[];
	at: number;
}

export interface PullRecord {
	cursor: number;
	cursorHash: string | null;
	/** Own changes found in the log (a push whose answer was lost): acknowledged now. */
	ownAcks: { actor: string | null; seq: number; hash: string }[];
	quarantined: QuarantineEntry[];
	bytes: number;
	/** Who the server says pushed each pulled change (pull_changes' author_id), where it said. */
	authors?: ChangeAuthor[];
}

/** The member who pushed a change, as the server recorded it: the only authorship to show. */
export interface ChangeAuthor {
	hash: string;
	authorId: string;
}

export interface SyncStore {
	readonly userId: string;
	trip(tripId: string): Promise<TripMeta>;
	updateTrip(tripId: string, patch: Partial<Omit<TripMeta, 'tripId'>>): Promise<TripMeta>;
	trips(): Promise<TripMeta[]>;
	/** Records an actor this device writes with; must complete before that actor's first change. */
	addActor(actor: string): Promise<void>;
	actors(): Promise<Set<string>>;
	/** The own actors with when each was recorded (ms since epoch). */
	actorsRecorded(): Promise<Map<string, number>>;
	/**
	 * Adds change sets not yet acknowledged (acknowledged ones are skipped); returns how many were
	 * new. With `scanned`, records in the same transaction that these were every pushable change up
	 * to those heads (see ScanMarker).
	 */
	addToOutbox(tripId: string, entries: OutboxEntry[], scanned?: string[]): Promise<number>;
	/** Records a ScanMarker at `heads`: the caller's capture of every change up to them is stored. */
	setScanned(tripId: string, heads: string[]): Promise<void>;
	/** The trip's ScanMarker if the outbox still accounts for everything it did (else null). */
	scanMarker(tripId: string): Promise<ScanMarker | null>;
	outbox(tripId: string): Promise<OutboxEntry[]>;
	pendingCount(tripId: string): Promise<number>;
	acknowledge(
		tripId: string,
		acks: { actor: string | null; seq: number; hash: string }[],
		bytes: number,
	): Promise<void>;
	/** Advances the cursor after a pulled page is durably merged, with what that page taught us. */
	recordPull(tripId: string, record: PullRecord): Promise<void>;
	/** Sets local change sets aside (the server refused them as malformed): out of the outbox. */
	quarantineLocal(tripId: string, entries: QuarantineEntry[]): Promise<void>;
	quarantined(tripId: string): Promise<QuarantineEntry[]>;
	/** Change hash → author id, for every change pulled with an author or pushed from here. */
	authors(tripId: string): Promise<Map<string, string>>;
	snapshotDigest(tripId: string): Promise<SnapshotDigest | null>;
	setSnapshotDigest(tripId: string, digest: SnapshotDigest): Promise<void>;
	close(): void;
}

const DB_VERSION = 2;
const T = {
	trips: 'trips',
	outbox: 'outbox',
	quarantine: 'quarantine',
	actors: 'actors',
	snapshots: 'snapshots',
	authors: 'authors',
};

export function defaultTripMeta(tripId: string): TripMeta {
	return {
		tripId,
		cursor: 0,
		cursorHash: null,
		acked: {},
		createdHere: false,
		genesisHash: null,
		genesisAcked: false,
		serverCreated: false,
		serverName: null,
		docStored: false,
		bytesSinceSnapshot: 0,
		revoked: null,
		scanned: null,
	};
}

/** The store's database name: everything is keyed by user (and by a scope tests use for "devices"). */
export const syncDatabaseName = (userId: string, scope = '') => `tripmate-sync:${scope}${userId}`;

export async function openIndexedDbSyncStore(
	userId: string,
	{ scope = '', indexedDB: factory = globalThis.indexedDB }: { scope?: string; indexedDB?: IDBFactory } = {},
): Promise<SyncStore> {
	if (!factory) throw new Error('IndexedDB is not available here');
	const db = await openDatabase(factory, syncDatabaseName(userId, scope), DB_VERSION, (d, oldVersion) => {
		if (oldVersion < 1) {
			d.createObjectStore(T.trips, { keyPath: 'tripId' });
			d.createObjectStore(T.outbox, { keyPath: ['tripId', 'hash'] }).createIndex('trip', 'tripId');
			d.createObjectStore(T.quarantine, { keyPath: ['tripId', 'hash'] }).createIndex('trip', 'tripId');
			d.createObjectStore(T.actors, { keyPath: 'actor' });
			d.createObjectStore(T.snapshots, { keyPath: 'tripId' });
		}
		if (oldVersion < 2) d.createObjectStore(T.authors, { keyPath: ['tripId', 'hash'] }).createIndex('trip', 'tripId');
	});

	const tx = (stores: string[], mode: IDBTransactionMode = 'readonly') => db.transaction(stores, mode);
	const readMeta = async (t: IDBTransaction, tripId: string): Promise<TripMeta> => ({
		...defaultTripMeta(tripId),
		...((await promised(t.objectStore(T.trips).get(tripId))) as TripMeta | undefined),
	});
	const byTrip = <V>(t: IDBTransaction, store: string, tripId: string) =>
		promised(t.objectStore(store).index('trip').getAll(IDBKeyRange.only(tripId))) as Promise<
			(V & { tripId: string })[]
		>;
	const strip = <V extends { tripId: string }>({ tripId: _, ...rest }: V) => rest;
	const isAcked = (meta: TripMeta, e: { actor: string | null; seq: number; hash: string }) =>
		e.actor === null ? meta.genesisAcked && e.hash === meta.genesisHash : (meta.acked[e.actor] ?? 0) >= e.seq;
	const applyAcks = (meta: TripMeta, acks: PullRecord['ownAcks']) => {
		for (const a of acks) {
			if (a.actor === null) {
				if (a.hash === meta.genesisHash) meta.genesisAcked = true;
			} else meta.acked[a.actor] = Math.max(meta.acked[a.actor] ?? 0, a.seq);
		}
	};

	// The actors and the outbox are read in the marker's own transaction: none recorded before it
	// can be missed.
	const markScanned = async (t: IDBTransaction, meta: TripMeta, heads: string[]) => {
		const [actors, pending] = await Promise.all([
			promised(t.objectStore(T.actors).getAllKeys()) as Promise<string[]>,
			byTrip<OutboxEntry>(t, T.outbox, meta.tripId),
		]);
		const scanned: ScanMarker = {
			heads: [...heads],
			actors,
			at: Date.now(),
			pending: pending.map((e) => ({ hash: e.hash, actor: e.actor, seq: e.seq })),
		};
		t.objectStore(T.trips).put({ ...meta, scanned });
	};

	return {
		userId,
		async trip(tripId) {
			const t = tx([T.trips]);
			return readMeta(t, tripId);
		},
		async updateTrip(tripId, patch) {
			const t = tx([T.trips], 'readwrite');
			const next = { ...(await readMeta(t, tripId)), ...patch, tripId };
			t.objectStore(T.trips).put(next);
			await committed(t);
			return next;
		},
		async trips() {
			return (await promised(tx([T.trips]).objectStore(T.trips).getAll())) as TripMeta[];
		},
		async addActor(actor) {
			const t = tx([T.actors], 'readwrite');
			t.objectStore(T.actors).put({ actor, at: Date.now() });
			await committed(t);
		},
		async actors() {
			const keys = (await promised(tx([T.actors]).objectStore(T.actors).getAllKeys())) as string[];
			return new Set(keys);
		},
		async actorsRecorded() {
			const rows = (await promised(tx([T.actors]).objectStore(T.actors).getAll())) as { actor: string; at: number }[];
			return new Map(rows.map((r) => [r.actor, r.at]));
		},
		async addToOutbox(tripId, entries, scanned) {
			const t = tx([T.trips, T.outbox, T.quarantine, ...(scanned ? [T.actors] : [])], 'readwrite');
			const meta = await readMeta(t, tripId);
			let added = 0;
			for (const e of entries) {
				if (isAcked(meta, e)) continue;
				if (await promised(t.objectStore(T.quarantine).getKey([tripId, e.hash]))) continue;
				if (await promised(t.objectStore(T.outbox).getKey([tripId, e.hash]))) continue;
				t.objectStore(T.outbox).put({ tripId, ...e });
				added++;
			}
			if (scanned) await markScanned(t, meta, scanned);
			await committed(t);
			return added;
		},
		async setScanned(tripId, heads) {
			const t = tx([T.trips, T.actors, T.outbox], 'readwrite');
			await markScanned(t, await readMeta(t, tripId), heads);
			await committed(t);
		},
		async scanMarker(tripId) {
			const t = tx([T.trips, T.outbox, T.quarantine]);
			const meta = await readMeta(t, tripId);
			const marker = meta.scanned;
			if (!marker) return null;
			for (const e of marker.pending) {
				if (isAcked(meta, e)) continue;
				if (await promised(t.objectStore(T.outbox).getKey([tripId, e.hash]))) continue;
				if (await promised(t.objectStore(T.quarantine).getKey([tripId, e.hash]))) continue;
				return null;
			}
			return marker;
		},
		async outbox(tripId) {
			const t = tx([T.outbox]);
			const rows = await byTrip<OutboxEntry>(t, T.outbox, tripId);
			// Oldest first per actor; the push planner orders causally across actors.
			return rows.map(strip).sort((a, b) => (a.actor ?? '').localeCompare(b.actor ?? '') || a.seq - b.seq);
		},
		async pendingCount(tripId) {
			const t = tx([T.outbox]);
			return promised(t.objectStore(T.outbox).index('trip').count(IDBKeyRange.only(tripId)));
		},
		async acknowledge(tripId, acks, bytes) {
			const t = tx([T.trips, T.outbox, T.authors], 'readwrite');
			const meta = await readMeta(t, tripId);
			applyAcks(meta, acks);
			meta.bytesSinceSnapshot += bytes;
			for (const a of acks) t.objectStore(T.outbox).delete([tripId, a.hash]);
			// The server took them as ours (it binds an actor to its first pusher).
			for (const a of acks) t.objectStore(T.authors).put({ tripId, hash: a.hash, authorId: userId });
			t.objectStore(T.trips).put(meta);
			await committed(t);
		},
		async recordPull(tripId, record) {
			const t = tx([T.trips, T.outbox, T.quarantine, T.authors], 'readwrite');
			const meta = await readMeta(t, tripId);
			applyAcks(meta, record.ownAcks);
			for (const a of record.authors ?? []) t.objectStore(T.authors).put({ tripId, ...a });
			for (const a of record.ownAcks) t.objectStore(T.outbox).delete([tripId, a.hash]);
			for (const q of record.quarantined) t.objectStore(T.quarantine).put({ tripId, ...q });
			// Never backwards through this path: a rewind is an explicit updateTrip.
			if (record.cursor >= meta.cursor) {
				meta.cursor = record.cursor;
				meta.cursorHash = record.cursorHash;
			}
			meta.bytesSinceSnapshot += record.bytes;
			t.objectStore(T.trips).put(meta);
			await committed(t);
		},
		async quarantineLocal(tripId, entries) {
			const t = tx([T.outbox, T.quarantine], 'readwrite');
			for (const q of entries) {
				t.objectStore(T.quarantine).put({ tripId, ...q });
				t.objectStore(T.outbox).delete([tripId, q.hash]);
			}
			await committed(t);
		},
		async quarantined(tripId) {
			const t = tx([T.quarantine]);
			return (await byTrip<QuarantineEntry>(t, T.quarantine, tripId)).map(strip);
		},
		async authors(tripId) {
			const rows = await byTrip<ChangeAuthor & { tripId: string }>(tx([T.authors]), T.authors, tripId);
			return new Map(rows.map((r) => [r.hash, r.authorId]));
		},
		async snapshotDigest(tripId) {
			const row = (await promised(tx([T.snapshots]).objectStore(T.snapshots).get(tripId))) as
				(SnapshotDigest & { tripId: string }) | undefined;
			return row ? strip(row) : null;
		},
		async setSnapshotDigest(tripId, digest) {
			const t = tx([T.snapshots], 'readwrite');
			t.objectStore(T.snapshots).put({ tripId, ...digest });
			await committed(t);
		},
		close() {
			db.close();
		},
	};
}
