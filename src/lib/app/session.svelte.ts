// The app's one session on this device: who is signed in (AppAuth) and that user's sync engine
// (TripSync), as reactive state the screens read. One per page load, shared by every route, so a
// client-side navigation keeps the engine, its open trips and its Realtime channels.
//
// The engine (and with it Automerge's 3.6 MB wasm) is imported when it is first needed, not with
// the page: the shell and the trips list render from IndexedDB without it (issue 11: 100 trips
// in ≤ 300 ms), and the engine takes over a moment later.
import { replaceState } from '$app/navigation';
import { AppAuth, getAppClient, parseAuthRedirect, userOf, type AuthState } from '$lib/supabase';
import type { OverallSyncState, TripSync } from '$lib/sync';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { SummaryWatcher } from './list/summary-watch';

/** overallOf({}, true): the engine's state before it runs (idle, nothing open: reads "Synced"). */
const NOTHING_YET: OverallSyncState = {
	status: { kind: 'idle' },
	pending: 0,
	lastSyncedAt: null,
	lastError: null,
	storage: [],
	trips: {},
};

export class AppSession {
	readonly client: SupabaseClient;
	readonly auth: AppAuth;
	authState: AuthState = $state.raw({ kind: 'starting' });
	/** The signed-in user's engine; null while signing in or switching users. */
	sync: TripSync | null = $state.raw(null);
	syncState: OverallSyncState = $state.raw(NOTHING_YET);
	/** The trips list's summaries of the current user's trips, kept in step with their documents. */
	summaries: SummaryWatcher | null = $state.raw(null);
	/** Bumped when the set of trips changed behind the list's back (a guest's trips adopted). */
	tripsVersion = $state(0);
	/** Trip names the screens have seen, for places that show trips by id (sync details). */
	tripNames: Record<string, string> = $state.raw({});
	/** A note for the person about the last account change (e.g. trips moved over). */
	notice: string | null = $state(null);
	/** Why the engine could not start (e.g. IndexedDB unavailable in a private window). */
	engineError: string | null = $state(null);
	#engineUser: string | null = null;
	/** Engine starts and stops run one after another, so a quick user switch never leaves two. */
	#switching: Promise<void> = Promise.resolve();
	#unsubscribeState: (() => void) | null = null;

	constructor(client: SupabaseClient = getAppClient()) {
		this.client = client;
		const origin = (globalThis as { location?: Location }).location?.origin;
		// Confirmation links come back to the app's start page, which completes them (AppAuth.start).
		this.auth = new AppAuth(client, { redirectTo: origin ? `${origin}/` : undefined });
		this.auth.setSyncHooks({
			pendingCount: () => this.sync?.state.get().pending ?? 0,
			flush: async () => {
				await this.sync?.syncNow();
			},
			userChanged: async (change) => {
				if (change.reason !== 'claimed' || !change.from) return;
				// The server moved the guest's trips to the account; move this device's copies (and
				// the guest's unsynced edits) into the account's engine, which pushes them as its own.
				const sync = await this.ready();
				if (!sync || sync.userId !== change.to) return;
				const adopted = await sync.adoptUser(change.from);
				this.tripsVersion++;
				const n = Math.max(adopted.length, change.claimedTrips ?? 0);
				this.notice = n > 0 ? `Your ${n === 1 ? 'trip is' : `${n} trips are`} now in this account.` : null;
			},
		});
		this.auth.subscribe((state) => {
			this.authState = state;
			this.#follow(userOf(state)?.id ?? null);
		});
	}

	get userId(): string | null {
		return userOf(this.authState)?.id ?? null;
	}

	/** Resumes the stored session or signs in as a new guest (see AppAuth.start). */
	async start(): Promise<void> {
		// Marks for profiling the first render (bench/app/list.ts reads them).
		performance.mark('tripmate:session-start');
		const fromLink = parseAuthRedirect(location.href) !== null;
		await this.auth.start(location.href);
		// The link's tokens must not stay in the address bar (or in history).
		// eslint-disable-next-line svelte/no-navigation-without-resolve -- the current page, already resolved
		if (fromLink) replaceState(location.pathname + location.search, {});
		// A link opened on another device: notice it when the person comes back to this tab.
		window.addEventListener('focus', () => {
			if (this.authState.kind === 'confirming') void this.auth.refresh();
		});
	}

	/** Ends this guest (or account) on this device and starts again as a new guest. */
	async startOver(): Promise<void> {
		const result = await this.auth.signOut({ endGuest: true, discardUnsynced: true });
		if (result.ok) await this.auth.start();
	}

	/** Waits until the engine of the current user is running (or there is no user). */
	async ready(): Promise<TripSync | null> {
		await this.#switching;
		return this.sync;
	}

	#follow(userId: string | null): void {
		if (userId === this.#engineUser) return;
		this.#engineUser = userId;
		this.#switching = this.#switching.then(async () => {
			const old = this.sync;
			this.#unsubscribeState?.();
			this.#unsubscribeState = null;
			this.summaries?.stop();
			this.summaries = null;
			this.sync = null;
			this.syncState = NOTHING_YET;
			await old?.shutdown().catch(() => {});
			if (!userId || userId !== this.#engineUser) return;
			let sync: TripSync;
			let Watcher: typeof SummaryWatcher;
			try {
				const [engine, watch] = await Promise.all([import('$lib/sync'), import('./list/summary-watch')]);
				Watcher = watch.SummaryWatcher;
				sync = await engine.TripSync.start({ supabase: this.client, userId });
			} catch (err) {
				this.engineError = err instanceof Error ? err.message : String(err);
				return;
			}
			this.engineError = null;
			performance.mark('tripmate:engine-ready');
			this.#unsubscribeState = sync.state.subscribe((s) => (this.syncState = s));
			this.summaries = new Watcher(sync);
			this.summaries.onSummary((s) => (this.tripNames = { ...this.tripNames, [s.tripId]: s.name }));
			this.sync = sync;
		});
	}
}

let session: AppSession | undefined;

/** The page's session, created on first use (in the browser only: the app is an SPA). */
export function appSession(): AppSession {
	session ??= new AppSession();
	return session;
}
