import { isAuthError, isAuthRetryableFetchError, type AuthError } from '@supabase/supabase-js';

/** Words for a person, by GoTrue error code (supabase/auth apierrors/errorcode.go). */
const BY_CODE: Record<string, string> = {
	invalid_credentials: "That email and password don't match an account.",
	email_not_confirmed: 'Confirm your email address first: open the link we sent you.',
	user_already_exists: 'An account already uses this email address. Sign in to it instead.',
	email_exists: 'An account already uses this email address. Sign in to it instead.',
	weak_password: 'Choose a longer password: at least 6 characters.',
	same_password: 'That is already your password. Choose a new one.',
	over_email_send_rate_limit: 'We just sent you an email. Wait a minute before asking for another one.',
	over_request_rate_limit: 'Too many attempts. Wait a minute and try again.',
	otp_expired: 'This link has expired or was already used. Ask for a new one.',
	email_address_invalid: "That doesn't look like an email address.",
	anonymous_provider_disabled: 'Guest access is turned off on this server. Sign in with an account.',
	signup_disabled: 'New accounts cannot be created on this server right now.',
	user_banned: 'This account is blocked.',
	session_not_found: 'You were signed out. Sign in again.',
	session_expired: 'You were signed out. Sign in again.',
	refresh_token_not_found: 'You were signed out. Sign in again.',
	refresh_token_already_used: 'You were signed out. Sign in again.',
	unexpected_failure: 'The server had a problem. Try again in a moment.',
};

/** Words for the claim step's refusals (supabase/migrations/20261202000500_guest_claim.sql). */
const CLAIM_MESSAGES: Record<string, string> = {
	'claim token expired': 'Moving your guest trips took too long. Sign in again from the guest session.',
	'claim token not found': 'Your guest trips were already moved, or the request expired.',
};

/**
 * A sentence a person understands for any failure of an auth step: GoTrue errors by code, network
 * failures as such, the claim step's refusals; the raw message only as a last resort.
 */
export function describeAuthError(error: unknown): string {
	if (isAuthRetryableFetchError(error)) return "Can't reach the server. Check your connection and try again.";
	if (isAuthError(error)) {
		const code = (error as AuthError).code;
		if (code && BY_CODE[code]) return BY_CODE[code];
		if (code === 'validation_failed' && /email/i.test(error.message)) return "That doesn't look like an email address.";
		if (error.name === 'AuthSessionMissingError') return 'You are signed out. Sign in again.';
		return error.message || 'Signing in failed. Try again.';
	}
	const message = error instanceof Error || isPlainError(error) ? String(error.message) : '';
	if (CLAIM_MESSAGES[message]) return CLAIM_MESSAGES[message];
	// A redirect's error fragment carries GoTrue's code too (otp_expired, …).
	const code = (error as { code?: unknown } | null)?.code;
	if (typeof code === 'string' && BY_CODE[code]) return BY_CODE[code];
	if (error instanceof TypeError || /fetch failed|NetworkError|Failed to fetch/i.test(message)) {
		return "Can't reach the server. Check your connection and try again.";
	}
	return message || 'Something went wrong. Try again.';
}

function isPlainError(value: unknown): value is { message: unknown } {
	return typeof value === 'object' && value !== null && 'message' in value;
}
