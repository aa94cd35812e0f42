import {
	isAuthRetryableFetchError,
	type AuthChangeEvent,
	type Session,
	type SupabaseClient,
	type User,
} from '@supabase/supabase-js';
import { describeAuthError } from './auth-errors';
import { stateOfUser, userOf, type AuthState, type SignedInState } from './auth-state';
import { createClaim, isRetryableClaimError, redeemClaim } from './claim';
import { DeviceRecords } from './device-records';
import { parseAuthRedirect } from './redirect';

import type { AppAuthOptions, AuthResult, SignOutOptions, SignOutResult, SyncHooks, UserChange } from './auth-types';

export type { AppAuthOptions, AuthResult, SignOutOptions, SignOutResult, SyncHooks, UserChange } from './auth-types';

/**
 * The app's sign-in state on this device, over the app's supabase-js client: a first start signs
 * in as a guest so the app works at once; "Save your trips" links an email to that same user
 * (confirm the mailed link, then choose a password); signing in to an existing account from a
 * guest session hands the guest's trips to the account (a server-side claim); sign-out is local
 * and warns about unsynced edits and about ending a guest account. `subscribe` follows the Svelte
 * store contract, so a component can read `$auth`.
 */
export class AppAuth {
	readonly #client: SupabaseClient;
	readonly #records: DeviceRecords;
	readonly #redirectTo: string | undefined;
	readonly #listeners = new Set<(state: AuthState) => void>();
	#state: AuthState = { kind: 'starting' };
	#hooks: SyncHooks = {};
	#subscription: { unsubscribe(): void } | undefined;
	/** Set while this instance itself changes the user, so its own auth events are not news. */
	#switching = false;

	constructor(client: SupabaseClient, options: AppAuthOptions = {}) {
		this.#client = client;
		this.#records = new DeviceRecords(options.indexedDB);
		this.#redirectTo = options.redirectTo;
	}

	get state(): AuthState {
		return this.#state;
	}

	/** Calls `listener` now and on every change; returns the unsubscribe function. */
	subscribe(listener: (state: AuthState) => void): () => void {
		this.#listeners.add(listener);
		listener(this.#state);
		return () => this.#listeners.delete(listener);
	}

	/** The engine's side of the contract; replaces earlier hooks. */
	setSyncHooks(hooks: SyncHooks): void {
		this.#hooks = hooks;
	}

	/**
	 * Resumes the stored session, or signs in as a new guest. With the page `url`, a confirmation
	 * link's result in its fragment is completed first (remove the fragment afterwards).
	 */
	async start(url?: string | URL): Promise<AuthState> {
		this.#subscription ??= this.#client.auth.onAuthStateChange((event, session) =>
			this.#onAuthEvent(event, session),
		).data.subscription;
		if (url && parseAuthRedirect(url)) return this.completeFromRedirect(url);
		try {
			// Who this device is, at once and without the network: offline, an expired token would
			// otherwise keep the app "starting" while supabase-js retries the refresh (up to 30 s).
			const stored = await this.#records.storedSessionUser();
			if (stored) this.#set(stateOfUser(stored, await this.#records.pendingLink()));
			const { data, error } = await this.#switch(() => this.#client.auth.getSession());
			if (error && stored && isAuthRetryableFetchError(error)) return this.#state;
			if (error && !stored) throw error;
			if (data.session) {
				await this.#retryPendingClaim(data.session.user);
				return this.#set(stateOfUser(data.session.user, await this.#records.pendingLink()));
			}
			if (stored) {
				// The server refused the stored session (revoked, or the user deleted): supabase-js has
				// dropped it. Not a silent new guest: the UI says so, and the old user's local data stays.
				this.#set({ kind: 'signed-out' });
				await this.#notify({ from: stored.id, to: null, reason: 'signed-out' });
				return this.#state;
			}
			return await this.#newGuest();
		} catch (err) {
			return this.#fail(err);
		}
	}

	/** Asks the server who the user is now: notices a link confirmed on another device. */
	async refresh(): Promise<AuthState> {
		const current = userOf(this.#state);
		if (!current) return this.#state;
		const { data, error } = await this.#client.auth.getUser();
		if (error) return this.#fail(error);
		let user = data.user;
		if (user.is_anonymous !== current.is_anonymous) {
			// The access token still says "anonymous": get one that matches the user.
			const refreshed = await this.#client.auth.refreshSession();
			if (refreshed.error) return this.#fail(refreshed.error);
			user = refreshed.data.user ?? user;
		}
		await this.#advanceLink(user);
		return this.#set(stateOfUser(user, await this.#records.pendingLink()));
	}

	/**
	 * "Save your trips": links `email` to the guest (same user id, so every trip stays). With
	 * confirmations on (hosted's default) the state becomes `confirming` until the mailed link is
	 * opened; without, the email is linked at once and the state asks for a password.
	 */
	async saveTrips(email: string): Promise<AuthResult> {
		const current = this.#state.kind === 'error' ? this.#state.previous : this.#state;
		if (current?.kind !== 'guest' && current?.kind !== 'confirming') {
			return { ok: false, message: 'Only a guest can save their trips under an email address.' };
		}
		const trimmed = email.trim();
		const options = this.#redirectTo ? { emailRedirectTo: this.#redirectTo } : undefined;
		const { data, error } = await this.#client.auth.updateUser({ email: trimmed }, options);
		if (error) return this.#refuse(error);
		const user = data.user;
		const linked = !user.is_anonymous;
		await this.#records.setPendingLink({
			userId: user.id,
			email: linked ? (user.email ?? trimmed) : (user.new_email ?? trimmed),
			stage: linked ? 'set-password' : 'confirming',
		});
		this.#set(stateOfUser(user, await this.#records.pendingLink()));
		return { ok: true };
	}

	/** Mails the link again (the server allows one per minute on hosted, one per second locally). */
	async resendConfirmation(): Promise<AuthResult> {
		if (this.#state.kind !== 'confirming') return { ok: false, message: 'No email is waiting for confirmation.' };
		return this.saveTrips(this.#state.email);
	}

	/**
	 * Completes what a confirmation link brought back in `url`'s fragment: a session (GoTrue's
	 * `#access_token=…`), a message (first of two email-change links), or an error.
	 */
	async completeFromRedirect(url: string | URL): Promise<AuthState> {
		const result = parseAuthRedirect(url);
		if (!result) return this.#state;
		if (result.kind === 'error') return this.#fail({ code: result.code, message: result.description });
		if (result.kind === 'message') return this.refresh();
		const before = userOf(this.#state)?.id ?? null;
		const { data, error } = await this.#switch(() =>
			this.#client.auth.setSession({ access_token: result.accessToken, refresh_token: result.refreshToken }),
		);
		if (error || !data.user) return this.#fail(error ?? new Error('The link gave no session'));
		await this.#advanceLink(data.user);
		const state = this.#set(stateOfUser(data.user, await this.#records.pendingLink()));
		if (before !== data.user.id) await this.#notify({ from: before, to: data.user.id, reason: 'signed-in' });
		return state;
	}

	/** The last step of linking an email: the password for signing in on other devices. */
	async setPassword(password: string): Promise<AuthResult> {
		const { data, error } = await this.#client.auth.updateUser({ password });
		if (error) return this.#refuse(error);
		await this.#records.setPendingLink(null);
		this.#set(stateOfUser(data.user, null));
		return { ok: true };
	}

	/**
	 * Signs in to an existing account. From a guest session the guest's trips go along: the guest
	 * makes a claim token, the account redeems it right after signing in. A wrong password leaves
	 * the guest signed in; a redemption lost to the network is retried on the next start.
	 */
	async signIn(
		email: string,
		password: string,
	): Promise<AuthResult & { claimedTrips?: number; claimPending?: boolean }> {
		const before = userOf(this.#state);
		const claim = before?.is_anonymous ? await this.#prepareClaim(before) : null;
		if (claim && !claim.ok) return claim;
		await this.#flushQuietly();
		const { data, error } = await this.#switch(() =>
			this.#client.auth.signInWithPassword({ email: email.trim(), password }),
		);
		if (error || !data.user) {
			await this.#records.setPendingClaim(null);
			return this.#refuse(error ?? new Error('Signing in gave no user'));
		}
		await this.#records.setPendingLink(null);
		this.#set(stateOfUser(data.user, null));
		const claimedTrips = claim ? await this.#redeem(data.user) : undefined;
		await this.#notify({
			from: before?.id ?? null,
			to: data.user.id,
			reason: claimedTrips !== undefined ? 'claimed' : 'signed-in',
			claimedTrips,
		});
		// A claim kept for a retry: the UI can say the guest's trips are on their way.
		if (claim && claimedTrips === undefined && (await this.#records.pendingClaim())) {
			return { ok: true, claimPending: true };
		}
		return { ok: true, claimedTrips };
	}

	/** What the UI needs to warn before signing out. */
	async signOutCheck(): Promise<{ pending: number; guest: boolean }> {
		const user = userOf(this.#state);
		return { pending: await this.#pending(), guest: user?.is_anonymous ?? false };
	}

	/** Pushes pending edits now ("wait for sync"); resolves with how many are still pending. */
	async flushPending(): Promise<number> {
		await this.#flushQuietly();
		return this.#pending();
	}

	/**
	 * Signs this device out (`scope: 'local'`: other devices stay signed in). Refuses, saying why,
	 * while edits are unsynced or when it would end a guest account, unless told to go ahead.
	 */
	async signOut(options: SignOutOptions = {}): Promise<SignOutResult> {
		const user = userOf(this.#state);
		const pending = await this.#pending();
		if (pending > 0 && !options.discardUnsynced) return { ok: false, reason: 'unsynced', pending };
		if (user?.is_anonymous && !options.endGuest) return { ok: false, reason: 'guest-ends' };
		const { error } = await this.#switch(() => this.#client.auth.signOut({ scope: 'local' }));
		if (error) return { ok: false, reason: 'error', message: describeAuthError(error) };
		await this.#records.setPendingLink(null);
		this.#set({ kind: 'signed-out' });
		await this.#notify({ from: user?.id ?? null, to: null, reason: 'signed-out' });
		return { ok: true };
	}

	/** Stops following auth events and the client's refresh timer. */
	async close(): Promise<void> {
		this.#subscription?.unsubscribe();
		this.#subscription = undefined;
		await this.#client.auth.stopAutoRefresh();
	}

	async #newGuest(): Promise<AuthState> {
		const { data, error } = await this.#switch(() => this.#client.auth.signInAnonymously());
		if (error || !data.user) return this.#fail(error ?? new Error('Guest sign-in gave no user'));
		const state = this.#set({ kind: 'guest', user: data.user });
		await this.#notify({ from: null, to: data.user.id, reason: 'new-guest' });
		return state;
	}

	async #prepareClaim(guest: User): Promise<{ ok: true } | { ok: false; message: string }> {
		try {
			await this.#records.setPendingClaim(await createClaim(this.#client, guest.id));
			return { ok: true };
		} catch (err) {
			return { ok: false, message: describeAuthError(err) };
		}
	}

	/** Redeems the pending claim as `account`; keeps it for a retry when the failure may pass. */
	async #redeem(account: User): Promise<number | undefined> {
		const claim = await this.#records.pendingClaim();
		if (!claim || claim.guestId === account.id) return undefined;
		try {
			const moved = await redeemClaim(this.#client, claim);
			await this.#records.setPendingClaim(null);
			return moved;
		} catch (err) {
			if (!isRetryableClaimError(err) || claim.expiresAt <= Date.now()) await this.#records.setPendingClaim(null);
			return undefined;
		}
	}

	async #retryPendingClaim(user: User): Promise<void> {
		if (user.is_anonymous) return;
		const claim = await this.#records.pendingClaim();
		if (!claim) return;
		const moved = await this.#redeem(user);
		if (moved !== undefined)
			await this.#notify({ from: claim.guestId, to: user.id, reason: 'claimed', claimedTrips: moved });
	}

	/** A guest whose link was confirmed moves on to choosing a password. */
	async #advanceLink(user: User): Promise<void> {
		const pending = await this.#records.pendingLink();
		if (pending?.userId === user.id && pending.stage === 'confirming' && !user.is_anonymous) {
			await this.#records.setPendingLink({ ...pending, email: user.email ?? pending.email, stage: 'set-password' });
		}
	}

	async #pending(): Promise<number> {
		try {
			return (await this.#hooks.pendingCount?.()) ?? 0;
		} catch {
			// Not knowing is not zero: make the UI ask before anything is thrown away.
			return 1;
		}
	}

	async #flushQuietly(): Promise<void> {
		try {
			await this.#hooks.flush?.();
		} catch {
			// Offline or refused: the edits stay in the outbox, keyed by their user.
		}
	}

	async #switch<T>(step: () => Promise<T>): Promise<T> {
		this.#switching = true;
		try {
			return await step();
		} finally {
			this.#switching = false;
		}
	}

	async #notify(change: UserChange): Promise<void> {
		try {
			await this.#hooks.userChanged?.(change);
		} catch {
			// The engine reports its own failures; auth has moved on either way.
		}
	}

	/** Another tab signed in or out, or a refresh failed for good: follow it. */
	#onAuthEvent(event: AuthChangeEvent, session: Session | null): void {
		if (this.#switching || this.#state.kind === 'starting') return;
		const known = userOf(this.#state)?.id ?? null;
		// Deferred: supabase-js holds its lock while it runs these callbacks.
		setTimeout(() => {
			void (async () => {
				if (event === 'SIGNED_OUT' && known) {
					this.#set({ kind: 'signed-out' });
					await this.#notify({ from: known, to: null, reason: 'signed-out' });
				} else if (session && session.user.id !== known) {
					this.#set(stateOfUser(session.user, await this.#records.pendingLink()));
					await this.#notify({ from: known, to: session.user.id, reason: 'signed-in' });
				}
			})();
		}, 0);
	}

	#refuse(error: unknown): { ok: false; message: string } {
		return { ok: false, message: describeAuthError(error) };
	}

	#fail(error: unknown): AuthState {
		const message = describeAuthError(error);
		const retry = /reach the server|server had a problem/.test(message);
		const previous = this.#state.kind === 'error' ? this.#state.previous : signedIn(this.#state);
		return this.#set({ kind: 'error', message, retry, previous });
	}

	#set(state: AuthState): AuthState {
		this.#state = state;
		for (const listener of this.#listeners) listener(state);
		return state;
	}
}

const signedIn = (state: AuthState): SignedInState | undefined => ('user' in state ? state : undefined);
