import type pg from 'pg';
import type { StackContext } from '../context.ts';
import { fail, ok, type Result } from './errors.ts';
import { confirmationUrl, newOneTimeToken, sendConfirmationMail, sendEmailChangeMail } from './mailer.ts';
import { patchUser, type UserRow } from './users.ts';

/**
 * GoTrue's validateSentWithinFrequencyLimit: one mail of a kind per user per `max_frequency`.
 * The mail is only "sent" (put in the inbox) after the row is updated, so a refusal sends nothing.
 */
function withinFrequencyLimit(ctx: StackContext, sentAt: Date | null): Result<void> {
	if (!sentAt) return ok(undefined);
	const waitMs = sentAt.getTime() + ctx.config.emailMaxFrequencySeconds * 1000 - Date.now();
	if (waitMs <= 0) return ok(undefined);
	return fail(
		429,
		'over_email_send_rate_limit',
		`For security purposes, you can only request this after ${Math.ceil(waitMs / 1000)} seconds.`,
	);
}

/** GoTrue's sendConfirmation: a new signup code, its hash stored, the link mailed to the user. */
export async function sendSignupConfirmation(
	ctx: StackContext,
	db: pg.PoolClient,
	user: UserRow,
	redirectTo: string,
): Promise<Result<UserRow>> {
	const limited = withinFrequencyLimit(ctx, user.confirmation_sent_at);
	if (!limited.ok) return limited;
	const email = user.email ?? '';
	const token = newOneTimeToken(email);
	const updated = await patchUser(db, user.id, { confirmation_token: token.hash, confirmation_sent_at: 'now' });
	sendConfirmationMail(ctx.inbox, email, confirmationUrl(ctx.config, token.hash, 'signup', redirectTo), token.otp);
	return ok(updated);
}

/**
 * GoTrue's sendEmailChange: a code for the new address and, with secure email change and a current
 * address, one for the current address too; `email_change` holds the new address until confirmed.
 */
export async function sendEmailChange(
	ctx: StackContext,
	db: pg.PoolClient,
	user: UserRow,
	newEmail: string,
	redirectTo: string,
): Promise<Result<UserRow>> {
	const limited = withinFrequencyLimit(ctx, user.email_change_sent_at);
	if (!limited.ok) return limited;
	const toNew = newOneTimeToken(newEmail);
	const current = user.email ?? '';
	const toCurrent = ctx.config.secureEmailChange && current !== '' ? newOneTimeToken(current) : null;
	const updated = await patchUser(db, user.id, {
		email_change: newEmail,
		email_change_token_new: toNew.hash,
		email_change_token_current: toCurrent?.hash ?? '',
		email_change_confirm_status: 0,
		email_change_sent_at: 'now',
	});
	const url = (hash: string) => confirmationUrl(ctx.config, hash, 'email_change', redirectTo);
	sendEmailChangeMail(ctx.inbox, newEmail, newEmail, url(toNew.hash), toNew.otp);
	if (toCurrent) sendEmailChangeMail(ctx.inbox, current, newEmail, url(toCurrent.hash), toCurrent.otp);
	return ok(updated);
}
