import { createHash, randomInt } from 'node:crypto';
import type { ApiConfig } from '../context.ts';
import type { ApiRequest } from '../http.ts';
import { headerValue } from '../http.ts';
import type { Inbox } from './inbox.ts';

/** GoTrue's MAILER_OTP_LENGTH default. */
const OTP_LENGTH = 6;

/** A one-time code: the digits mailed to the person and the hash stored and put in links. */
export interface OneTimeToken {
	otp: string;
	hash: string;
}

/** GoTrue's GenerateOtp + GenerateTokenHash: `hash = hex(sha224(email + otp))`. */
export function newOneTimeToken(email: string): OneTimeToken {
	let otp = '';
	for (let i = 0; i < OTP_LENGTH; i++) otp += String(randomInt(10));
	return { otp, hash: tokenHash(email, otp) };
}

export const tokenHash = (email: string, otp: string): string =>
	createHash('sha224')
		.update(email + otp)
		.digest('hex');

/**
 * GoTrue's GetReferrer: `redirect_to` (query) when allowed, else the Referer header when allowed,
 * else the site URL. Allowed means the site's own origin (any port on loopback), a loopback IP, or
 * one of `redirectUrls` (exact, or a `*` glob).
 */
export function redirectFor(config: ApiConfig, req: ApiRequest): string {
	const requested = req.query.get('redirect_to') ?? '';
	if (isRedirectAllowed(config, requested)) return requested;
	const referer = headerValue(req.headers, 'referer') ?? '';
	if (isRedirectAllowed(config, referer)) return referer;
	return config.siteUrl;
}

export function isRedirectAllowed(config: ApiConfig, candidate: string): boolean {
	if (candidate === '') return false;
	const target = URL.parse(candidate);
	const site = URL.parse(config.siteUrl);
	if (!target || !site) return false;
	const loopback = isLoopback(target.hostname);
	if (
		target.hostname === site.hostname &&
		target.protocol === site.protocol &&
		(target.port === site.port || loopback)
	) {
		return true;
	}
	if (/^\d+$/.test(target.hostname)) return false;
	if (/^[\d.]+$/.test(target.hostname) || target.hostname.startsWith('[')) return loopback;
	const withoutFragment = candidate.split('#')[0]!;
	return config.redirectUrls.some((pattern) => globMatch(pattern, withoutFragment));
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

function globMatch(pattern: string, value: string): boolean {
	const source = pattern
		.split('**')
		.map((part) =>
			part
				.split('*')
				.map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
				.join('[^/]*'),
		)
		.join('.*');
	return new RegExp(`^${source}$`).test(value);
}

export type EmailActionType = 'signup' | 'email_change';

/** GoTrue's ConfirmationURL: `{API}/auth/v1/verify?token=<hash>&type=<type>&redirect_to=<url>`. */
export function confirmationUrl(config: ApiConfig, hash: string, type: EmailActionType, redirectTo: string): string {
	// GoTrue leaves an already-encoded redirect as is and encodes one containing & = or #.
	const redirect = /[&=#]/.test(redirectTo) ? encodeURIComponent(redirectTo) : redirectTo;
	return `${config.apiUrl}/auth/v1/verify?token=${encodeURIComponent(hash)}&type=${type}&redirect_to=${redirect}`;
}

/** GoTrue's default confirmation mail (subject and body), with the code for `verifyOtp`. */
export function sendConfirmationMail(inbox: Inbox, to: string, url: string, otp: string): void {
	inbox.send({
		to,
		subject: 'Confirm your email address',
		html:
			'<h2>Confirm your email address</h2>\n\n' +
			'<p>Follow the link below to confirm this email address and finish signing up.</p>\n' +
			`<p><a href="${escapeHtml(url)}">Confirm email address</a></p>\n` +
			`<p>Or enter this code: ${otp}</p>\n`,
		text: `Confirm your email address\n\nFollow this link to confirm this email address and finish signing up:\n${url}\n\nOr enter this code: ${otp}\n`,
	});
}

/** GoTrue's default email-change mail; one goes to the new address and, when secure, one to the old. */
export function sendEmailChangeMail(inbox: Inbox, to: string, newEmail: string, url: string, otp: string): void {
	inbox.send({
		to,
		subject: 'Confirm your new email address',
		html:
			'<h2>Confirm your new email address</h2>\n\n' +
			`<p>Follow the link below to confirm ${escapeHtml(newEmail)} as your new email address.</p>\n` +
			`<p><a href="${escapeHtml(url)}">Confirm new email address</a></p>\n` +
			`<p>Or enter this code: ${otp}</p>\n` +
			"<p>If you didn't request this change, you can safely ignore this email.</p>",
		text: `Confirm your new email address\n\nFollow this link to confirm ${newEmail} as your new email address:\n${url}\n\nOr enter this code: ${otp}\n`,
	});
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
