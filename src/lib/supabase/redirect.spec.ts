import { AuthApiError, AuthRetryableFetchError } from '@supabase/supabase-js';
import { describe, expect, test } from 'vitest';
import { describeAuthError } from './auth-errors';
import { parseAuthRedirect } from './redirect';

describe('parseAuthRedirect', () => {
	test("reads GoTrue's session fragment", () => {
		const url =
			'http://127.0.0.1:5173/#access_token=a.b.c&expires_at=1&expires_in=3600&refresh_token=abcdefghijkl&sb=&token_type=bearer&type=email_change';
		expect(parseAuthRedirect(url)).toEqual({
			kind: 'session',
			accessToken: 'a.b.c',
			refreshToken: 'abcdefghijkl',
			type: 'email_change',
		});
	});

	test('reads an error fragment and a message fragment', () => {
		expect(
			parseAuthRedirect(
				'http://x/#error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired&sb=',
			),
		).toEqual({ kind: 'error', code: 'otp_expired', description: 'Email link is invalid or has expired' });
		expect(parseAuthRedirect('http://x/#message=Confirmation+link+accepted&sb=')).toEqual({
			kind: 'message',
			message: 'Confirmation link accepted',
		});
	});

	test('is null for every other URL, so the app may call it on each load', () => {
		expect(parseAuthRedirect('http://127.0.0.1:5173/')).toBeNull();
		expect(parseAuthRedirect('http://127.0.0.1:5173/#trip=123')).toBeNull();
		expect(parseAuthRedirect('http://127.0.0.1:5173/#access_token=only-half')).toBeNull();
	});
});

describe('describeAuthError', () => {
	test('turns GoTrue codes into sentences', () => {
		expect(describeAuthError(new AuthApiError('Invalid login credentials', 400, 'invalid_credentials'))).toBe(
			"That email and password don't match an account.",
		);
		expect(describeAuthError({ code: 'otp_expired', message: 'Email link is invalid or has expired' })).toBe(
			'This link has expired or was already used. Ask for a new one.',
		);
	});

	test('says when the server cannot be reached', () => {
		expect(describeAuthError(new AuthRetryableFetchError('fetch failed', 0))).toBe(
			"Can't reach the server. Check your connection and try again.",
		);
		expect(describeAuthError(new TypeError('fetch failed'))).toBe(
			"Can't reach the server. Check your connection and try again.",
		);
	});

	test("words the claim step's refusals, and keeps an unknown message rather than inventing one", () => {
		expect(describeAuthError({ code: '22023', message: 'claim token not found' })).toBe(
			'Your guest trips were already moved, or the request expired.',
		);
		expect(describeAuthError(new Error('Something specific'))).toBe('Something specific');
		expect(describeAuthError(undefined)).toBe('Something went wrong. Try again.');
	});
});
