// The shapes AppAuth speaks in: its results, its options and its hooks into the sync engine.

import type { IdbSource } from './idb';

/** What the sync engine tells auth, and what auth tells the engine (see {@link AppAuth.setSyncHooks}). */
export interface SyncHooks {
	/** How many local edits of the signed-in user are not on the server yet. */
	pendingCount?: () => number | Promise<number>;
	/** Pushes what is pending now, as the signed-in user. Called before the user changes. */
	flush?: () => Promise<void>;
	/** After the device's user changed: sign-in, claim, sign-out, a new guest. */
	userChanged?: (change: UserChange) => void | Promise<void>;
}

export interface UserChange {
	from: string | null;
	to: string | null;
	reason: 'new-guest' | 'signed-in' | 'claimed' | 'signed-out';
	/** For `claimed`: how many of the guest's trips the account took over. */
	claimedTrips?: number;
}

/** The outcome of a step; `message` is for a person. */
export type AuthResult = { ok: true } | { ok: false; message: string };

/** Why a sign-out did not happen yet, so the UI can warn and offer a way on. */
export type SignOutResult =
	| { ok: true }
	| { ok: false; reason: 'unsynced'; pending: number }
	| { ok: false; reason: 'guest-ends' }
	| { ok: false; reason: 'error'; message: string };

export interface SignOutOptions {
	/** Sign out even though `pending` edits are not on the server (they stay on this device). */
	discardUnsynced?: boolean;
	/** Sign a guest out although that ends the guest account for good. */
	endGuest?: boolean;
}

export interface AppAuthOptions {
	/** Where the auth database lives (the client's own, normally); tests pass fake-indexeddb's. */
	indexedDB?: IdbSource;
	/** Where confirmation links send the person back to (must be allowed by the project). */
	redirectTo?: string;
}
