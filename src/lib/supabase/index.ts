/**
 * The app's Supabase layer, for the UI, the sync engine and the service worker alike (no Svelte
 * runes here: `connection.svelte.ts`, the older sign-in status, is imported on its own).
 *
 * - {@link createAppClient} / {@link getAppClient}: supabase-js with the session in IndexedDB and
 *   refreshes serialised across tabs and the worker;
 * - {@link AppAuth}: guest first start, "Save your trips", sign-in keeping a guest's trips, sign-out;
 * - {@link AuthState}: the typed state the UI renders; {@link describeAuthError}: words for errors.
 */
export { AUTH_STORAGE_KEY, createAppClient, getAppClient, sessionUserId, type AppClientOptions } from './client';
export {
	AppAuth,
	type AppAuthOptions,
	type AuthResult,
	type SignOutOptions,
	type SignOutResult,
	type SyncHooks,
	type UserChange,
} from './auth';
export { stateOfUser, userOf, type AuthState, type PendingLink, type SignedInState } from './auth-state';
export { describeAuthError } from './auth-errors';
export { parseAuthRedirect, type AuthRedirect } from './redirect';
export { IdbSessionStorage } from './storage';
export { AUTH_DB_NAME, type IdbSource } from './idb';
export {
	chooseAuthLock,
	idbLeaseLock,
	LeaseLockAcquireTimeoutError,
	type LeaseLockOptions,
	type LockEnvironment,
	type LockFunc,
} from './lock';
export { resolveSupabaseConfig, supabaseConfig, type SupabaseConfig } from './config';
