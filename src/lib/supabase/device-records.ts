import type { User } from '@supabase/supabase-js';
import type { PendingLink } from './auth-state';
import { AUTH_STORAGE_KEY, type IdbSource } from './idb';
import { IdbSessionStorage } from './storage';

/** A claim token made as a guest and not yet redeemed by the account (see AppAuth.signIn). */
export interface PendingClaim {
	token: string;
	guestId: string;
	/** Date.now() after which the server no longer accepts it (15 minutes from creation). */
	expiresAt: number;
}

const LINK_KEY = 'tripmate-pending-link';
const CLAIM_KEY = 'tripmate-pending-claim';

/**
 * What this device waits on between page loads, beside the session in the auth database: an email
 * link the guest asked for, and a claim not yet redeemed (the network may drop right after
 * signing in). Unreadable records count as absent: they only ever resume a flow.
 */
export class DeviceRecords {
	readonly #store: IdbSessionStorage;

	constructor(source?: IdbSource) {
		this.#store = new IdbSessionStorage(source);
	}

	/**
	 * The user of the session supabase-js stored, read without the network: who this device is
	 * while the token cannot be refreshed (offline), so the app still opens their trips.
	 */
	storedSessionUser(): Promise<User | null> {
		return this.#read(AUTH_STORAGE_KEY, hasUser).then((stored) => stored?.user ?? null);
	}

	pendingLink(): Promise<PendingLink | null> {
		return this.#read(LINK_KEY, isPendingLink);
	}

	setPendingLink(link: PendingLink | null): Promise<void> {
		return this.#write(LINK_KEY, link);
	}

	pendingClaim(): Promise<PendingClaim | null> {
		return this.#read(CLAIM_KEY, isPendingClaim);
	}

	setPendingClaim(claim: PendingClaim | null): Promise<void> {
		return this.#write(CLAIM_KEY, claim);
	}

	async #read<T>(key: string, check: (value: unknown) => value is T): Promise<T | null> {
		const text = await this.#store.getItem(key);
		if (!text) return null;
		try {
			const value: unknown = JSON.parse(text);
			return check(value) ? value : null;
		} catch {
			return null;
		}
	}

	async #write(key: string, value: unknown): Promise<void> {
		if (value === null) await this.#store.removeItem(key);
		else await this.#store.setItem(key, JSON.stringify(value));
	}
}

function hasUser(value: unknown): value is { user: User } {
	const user = (value as { user?: { id?: unknown } } | null)?.user;
	return typeof user === 'object' && user !== null && typeof user.id === 'string';
}

function isPendingLink(value: unknown): value is PendingLink {
	const v = value as PendingLink;
	return (
		typeof v === 'object' &&
		v !== null &&
		typeof v.userId === 'string' &&
		typeof v.email === 'string' &&
		(v.stage === 'confirming' || v.stage === 'set-password')
	);
}

function isPendingClaim(value: unknown): value is PendingClaim {
	const v = value as PendingClaim;
	return (
		typeof v === 'object' &&
		v !== null &&
		typeof v.token === 'string' &&
		typeof v.guestId === 'string' &&
		typeof v.expiresAt === 'number'
	);
}
