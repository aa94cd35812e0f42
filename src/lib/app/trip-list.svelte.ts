// The trips of the signed-in user for the first page: what this device holds (the engine's local
// metadata and documents in IndexedDB, so the list shows offline) merged with what the server says
// (sync_status: trips joined on another device or through an invite, not opened here yet).
import type { TripSync } from '$lib/sync';
import { readTrip, tripIdToDocumentId, type TripId } from '$lib/trip';

export interface TripListEntry {
	tripId: string;
	name: string;
	destination: string;
	startDate: string | null;
	endDate: string | null;
	/** Known on this device (opened or created here); false: only listed by the server so far. */
	local: boolean;
}

/** How long one stored document may take to load for its name before the list goes on without it. */
const LOAD_MS = 3_000;

export class TripList {
	entries: TripListEntry[] = $state.raw([]);
	loading = $state(true);
	/** Set when the server could not be asked (offline, server down): the list is this device's. */
	serverError: string | null = $state(null);
	readonly #sync: TripSync;

	constructor(sync: TripSync) {
		this.#sync = sync;
	}

	/** Shows the local list first, then adds the server's; never blanks what it already shows. */
	async load(): Promise<void> {
		this.loading = true;
		const local = await this.#local();
		this.entries = sortByName(local);
		try {
			const rows = await this.#sync.server.status();
			this.serverError = null;
			const remote = rows
				.filter((row) => !local.some((e) => e.tripId === row.tripId))
				.map((row) => ({ ...blank(row.tripId), name: row.name, local: false }));
			this.entries = sortByName([...local, ...remote]);
		} catch (err) {
			this.serverError = err instanceof Error ? err.message : String(err);
		} finally {
			this.loading = false;
		}
	}

	async #local(): Promise<TripListEntry[]> {
		const metas = (await this.#sync.store.trips()).filter((m) => m.revoked === null);
		const entries = await Promise.all(
			metas.map(async (m): Promise<TripListEntry | null> => {
				const doc = await withTimeout(
					this.#sync.repo.find(tripIdToDocumentId(m.tripId as TripId)).then((h) => h.doc()),
					LOAD_MS,
				).catch(() => undefined);
				const view = doc === undefined ? null : readTrip(doc);
				// A document still waiting for its first pull has no trip id yet: not worth listing alone.
				if (!view?.tripId) return m.serverName ? { ...blank(m.tripId), name: m.serverName } : null;
				return {
					tripId: m.tripId,
					name: view.name,
					destination: view.destination,
					startDate: view.startDate,
					endDate: view.endDate,
					local: true,
				};
			}),
		);
		return entries.filter((e) => e !== null);
	}
}

function blank(tripId: string): TripListEntry {
	return { tripId, name: '', destination: '', startDate: null, endDate: null, local: true };
}

function sortByName(entries: TripListEntry[]): TripListEntry[] {
	return [...entries].sort((a, b) => a.name.localeCompare(b.name) || a.tripId.localeCompare(b.tripId));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('timed out')), ms);
		promise.then(resolve, reject).finally(() => clearTimeout(timer));
	});
}
