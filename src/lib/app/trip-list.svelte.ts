// The trips of the signed-in user for the list at `/`: first what this device holds (the engine's
// metadata and the list's summaries, two IndexedDB reads, no document loaded), so it renders at
// once and offline; then what the server says (role, trips not on this device yet), then the
// summaries that are missing or stale are rebuilt and trips behind the server are caught up, one
// at a time, with progress.
/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are local lookups, not state */
import type { TripMeta, TripRole, TripStatusRow, TripSync } from '$lib/sync';
import type { LocalTrips } from './list/local';
import type { TripSummary } from './list/summary';
import type { SummaryWatcher } from './list/summary-watch';

export interface TripListEntry {
	tripId: string;
	name: string;
	destination: string;
	startDate: string | null;
	endDate: string | null;
	people: string[];
	packed: number;
	total: number;
	role: TripRole | null;
	/** Known on this device (opened or created here); false: only listed by the server so far. */
	local: boolean;
	/** The contents are known (a summary exists): progress and people can be shown. */
	summarized: boolean;
	/** Made here and not on the server yet. */
	localOnly: boolean;
}

export interface ListProgress {
	done: number;
	total: number;
	label: string;
}

/** How long one stored document may take to load before the list goes on without it. */
const LOAD_MS = 5_000;

export class TripList {
	entries: TripListEntry[] = $state.raw([]);
	loading = $state(true);
	/** Set when the server could not be asked (offline, server down): the list is this device's. */
	serverError: string | null = $state(null);
	/** Long background work (catching up trips from the server), for a progress bar. */
	progress: ListProgress | null = $state(null);
	readonly #local: LocalTrips;
	#sync: TripSync | null = null;
	#watcher: SummaryWatcher | null = null;
	#stopWatching: (() => void) | null = null;
	#stopped = false;
	#marked = false;
	/** The latest local read, so the engine's work starts after it (never overwritten by it). */
	#shown: Promise<TripMeta[]> = Promise.resolve([]);
	#byId = new Map<string, TripSummary>();
	#serverRun: Promise<void> = Promise.resolve();

	constructor(local: LocalTrips) {
		this.#local = local;
	}

	/**
	 * Renders from the device (no engine needed), then, once the engine is connected, the
	 * server's list and the catch-up; never blanks what it already shows.
	 */
	async load(): Promise<void> {
		this.#shown = this.#showLocal();
		const live = await this.#shown;
		if (this.#sync && this.#watcher) await this.#fromServer(live);
	}

	/** The engine is running: follow its summaries, ask the server, catch up. */
	async connect(sync: TripSync, watcher: SummaryWatcher): Promise<void> {
		if (this.#sync === sync) return;
		this.#sync = sync;
		this.#watcher = watcher;
		this.#stopWatching?.();
		this.#stopWatching = watcher.onSummary((s) => this.#merge(s));
		await this.#shown;
		if (this.#stopped) return;
		await this.#fromServer((await sync.store.trips()).filter((m) => m.revoked === null));
	}

	async #showLocal(): Promise<TripMeta[]> {
		this.loading = true;
		// For the bench (bench/app/list.ts) and anyone profiling: when the list started loading.
		if (!this.#marked) performance.mark('tripmate:list-load');
		const { metas, summaries } = await this.#local.read();
		this.#byId = new Map(summaries.map((s) => [s.tripId, s]));
		const live = metas.filter((m) => m.revoked === null);
		this.entries = sortTrips(
			live.map((m) => {
				const s = this.#byId.get(m.tripId);
				const localOnly = m.createdHere && !m.serverCreated;
				const base = s ? fromSummary(s) : { ...blank(m.tripId), name: m.serverName ?? '' };
				return { ...base, localOnly, role: base.role ?? (m.createdHere ? 'owner' : null) };
			}),
		);
		this.loading = false;
		return live;
	}

	/** One server round and catch-up at a time (a reload of the list and the engine's start may overlap). */
	#fromServer(live: TripMeta[]): Promise<void> {
		this.#serverRun = this.#serverRun.then(() => this.#serverRound(live)).catch(() => {});
		return this.#serverRun;
	}

	async #serverRound(live: TripMeta[]): Promise<void> {
		const sync = this.#sync;
		if (this.#stopped || !sync) return;
		const stale = live.filter((m) => {
			const s = this.#byId.get(m.tripId);
			return !s || s.cursor !== m.cursor;
		});
		let rows: TripStatusRow[] = [];
		try {
			rows = await sync.serverTripList();
			this.serverError = null;
			this.#mergeServer(rows);
		} catch (err) {
			this.serverError = err instanceof Error ? err.message : String(err);
		}
		const cursors = new Map(live.map((m) => [m.tripId, m.cursor]));
		const behind = rows.filter((r) => r.lastSeq > (cursors.get(r.tripId) ?? 0)).map((r) => r.tripId);
		await this.#catchUp(
			stale.map((m) => m.tripId),
			behind,
		);
	}

	/** Marks the first paint of a non-empty list (once), for the bench. */
	markRendered(): void {
		if (this.#marked || this.entries.length === 0) return;
		this.#marked = true;
		const count = this.entries.length;
		requestAnimationFrame(() => performance.mark('tripmate:list-rendered', { detail: { count } }));
	}

	/** Takes a trip off the list (after it was deleted or left). */
	drop(tripId: string): void {
		this.entries = this.entries.filter((e) => e.tripId !== tripId);
	}

	stop(): void {
		this.#stopped = true;
		this.#stopWatching?.();
		this.#stopWatching = null;
	}

	#mergeServer(rows: TripStatusRow[]): void {
		const known = new Map(this.entries.map((e) => [e.tripId, e]));
		for (const row of rows) {
			this.#watcher?.setRole(row.tripId, row.role);
			const entry = known.get(row.tripId);
			if (entry) known.set(row.tripId, { ...entry, role: row.role, name: entry.name || row.name, localOnly: false });
			else known.set(row.tripId, { ...blank(row.tripId), name: row.name, role: row.role, local: false });
		}
		this.entries = sortTrips([...known.values()]);
	}

	#merge(summary: TripSummary): void {
		if (this.#stopped) return;
		const old = this.entries.find((e) => e.tripId === summary.tripId);
		if (!old) return; // a trip this list does not show (e.g. just deleted); the next load adds new ones
		const next = { ...fromSummary(summary), role: summary.role ?? old.role, localOnly: old.localOnly };
		this.entries = sortTrips(this.entries.map((e) => (e.tripId === summary.tripId ? next : e)));
	}

	/**
	 * Rebuilds stale summaries from stored documents, and pulls trips the server has more of
	 * (new on this device, or changed elsewhere). One trip at a time: the list stays responsive.
	 */
	async #catchUp(stale: string[], behind: string[]): Promise<void> {
		const sync = this.#sync;
		const watcher = this.#watcher;
		if (!sync || !watcher) return;
		const work = [...new Set([...stale, ...behind])];
		const pull = new Set(behind);
		if (work.length === 0) return;
		let done = 0;
		const show = () => {
			this.progress =
				work.length > 1 && done < work.length
					? { done, total: work.length, label: `Bringing your trips up to date: ${done} of ${work.length}` }
					: null;
		};
		show();
		for (const tripId of work) {
			if (this.#stopped) break;
			try {
				await withTimeout(
					(async () => {
						const handle = await sync.open(tripId);
						if (pull.has(tripId)) await sync.syncNow(tripId);
						await watcher.refresh(tripId, handle.doc());
					})(),
					pull.has(tripId) ? LOAD_MS * 6 : LOAD_MS,
				);
			} catch {
				// This trip stays as it was listed; the next load tries again.
			}
			done++;
			show();
		}
		this.progress = null;
	}
}

function fromSummary(s: TripSummary): TripListEntry {
	return {
		tripId: s.tripId,
		name: s.name,
		destination: s.destination,
		startDate: s.startDate,
		endDate: s.endDate,
		people: s.people,
		packed: s.packed,
		total: s.total,
		role: s.role,
		local: true,
		summarized: true,
		localOnly: false,
	};
}

function blank(tripId: string): TripListEntry {
	return {
		tripId,
		name: '',
		destination: '',
		startDate: null,
		endDate: null,
		people: [],
		packed: 0,
		total: 0,
		role: null,
		local: true,
		summarized: false,
		localOnly: false,
	};
}

/** Dated trips soonest first, then undated ones, by name within each. */
export function sortTrips(entries: TripListEntry[]): TripListEntry[] {
	return [...entries].sort(
		(a, b) =>
			(a.startDate ?? '9999').localeCompare(b.startDate ?? '9999') ||
			a.name.localeCompare(b.name) ||
			a.tripId.localeCompare(b.tripId),
	);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('timed out')), ms);
		promise.then(resolve, reject).finally(() => clearTimeout(timer));
	});
}
