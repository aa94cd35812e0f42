import { fail, ok, type AuthError, type Result } from './errors.ts';

/** GoTrue's default GOTRUE_PASSWORD_MIN_LENGTH (and the CLI's `minimum_password_length`). */
export const MIN_PASSWORD_LENGTH = 6;
/** bcrypt ignores everything after 72 bytes, so GoTrue refuses longer passwords outright. */
const MAX_PASSWORD_BYTES = 72;

// badoux/checkmail's ValidateFormat, which GoTrue uses.
const EMAIL_FORMAT =
	/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue's validateEmail: required, ≤ 255 chars, checkmail format; returns it lower-cased. */
export function validateEmail(email: string): Result<string> {
	if (email === '') return fail(400, 'validation_failed', 'An email address is required');
	if (email.length > 255) return fail(400, 'validation_failed', 'An email address is too long');
	if (!EMAIL_FORMAT.test(email)) {
		return fail(400, 'validation_failed', 'Unable to validate email address: invalid format');
	}
	return ok(email.toLowerCase());
}

/**
 * GoTrue's checkPasswordStrength with the default config (length only; no character classes, no
 * HaveIBeenPwned). Lengths are in bytes, as Go's len() counts them.
 */
export function checkPasswordStrength(password: string): AuthError | null {
	const bytes = Buffer.byteLength(password, 'utf8');
	if (bytes > MAX_PASSWORD_BYTES) {
		return {
			status: 400,
			code: 'validation_failed',
			message: `Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`,
		};
	}
	if (bytes < MIN_PASSWORD_LENGTH) {
		return {
			status: 422,
			code: 'weak_password',
			message: `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`,
			weakPassword: { reasons: ['length'] },
		};
	}
	return null;
}

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_FORMAT.test(value);
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
