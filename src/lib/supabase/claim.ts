import type { SupabaseClient } from '@supabase/supabase-js';
import type { PendingClaim } from './device-records';

/** How long the server keeps a claim token (create_claim_token); a little less, to be safe. */
const CLAIM_LIFETIME_MS = 14 * 60 * 1000;

/**
 * As the guest: a one-time token that lets the account signed in next take over the guest's trips
 * (supabase/migrations/20261202000500_guest_claim.sql).
 */
export async function createClaim(client: SupabaseClient, guestId: string): Promise<PendingClaim> {
	const { data, error } = await client.rpc('create_claim_token');
	if (error) throw error;
	if (typeof data !== 'string') throw new Error('create_claim_token returned no token');
	return { token: data, guestId, expiresAt: Date.now() + CLAIM_LIFETIME_MS };
}

/** As the account: moves the guest's trips over; returns how many trips moved. */
export async function redeemClaim(client: SupabaseClient, claim: PendingClaim): Promise<number> {
	const { data, error } = await client.rpc('redeem_claim_token', { p_token: claim.token });
	if (error) throw error;
	return typeof data === 'number' ? data : 0;
}

/**
 * Whether a failed redemption is worth retrying later (a network or server failure), as opposed
 * to a refusal that will never change (used, expired, not an account).
 */
export function isRetryableClaimError(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return !(typeof code === 'string' && (code === '22023' || code === '42501'));
}
