import type { IdentityRow, UserRow } from './users.ts';

/**
 * The user object exactly as GoTrue serialises models.User (protocol reference §1.2): field order
 * follows the Go struct; `email`/`phone` are always present ('' when unset); `omitempty` fields
 * are left out when empty; `identities` is always an array.
 */
export function userJson(user: UserRow, identities: IdentityRow[]): Record<string, unknown> {
	const out: Record<string, unknown> = {
		id: user.id,
		aud: user.aud ?? '',
		role: user.role ?? '',
		email: user.email ?? '',
	};
	putTime(out, 'email_confirmed_at', user.email_confirmed_at);
	putTime(out, 'invited_at', user.invited_at);
	out.phone = user.phone ?? '';
	putTime(out, 'phone_confirmed_at', user.phone_confirmed_at);
	putTime(out, 'confirmation_sent_at', user.confirmation_sent_at);
	putTime(out, 'confirmed_at', user.confirmed_at);
	putTime(out, 'recovery_sent_at', user.recovery_sent_at);
	if (user.email_change) out.new_email = user.email_change;
	putTime(out, 'email_change_sent_at', user.email_change_sent_at);
	putTime(out, 'last_sign_in_at', user.last_sign_in_at);
	out.app_metadata = user.raw_app_meta_data ?? {};
	out.user_metadata = user.raw_user_meta_data ?? {};
	out.identities = identities.map(identityJson);
	out.created_at = time(user.created_at);
	out.updated_at = time(user.updated_at);
	putTime(out, 'banned_until', user.banned_until);
	putTime(out, 'deleted_at', user.deleted_at);
	out.is_anonymous = user.is_anonymous;
	return out;
}

/** models.Identity: `identity_id` is the row id, `id` the provider's id for the user (legacy names). */
export function identityJson(identity: IdentityRow): Record<string, unknown> {
	const out: Record<string, unknown> = {
		identity_id: identity.id,
		id: identity.provider_id,
		user_id: identity.user_id,
		identity_data: identity.identity_data,
		provider: identity.provider,
	};
	putTime(out, 'last_sign_in_at', identity.last_sign_in_at);
	out.created_at = time(identity.created_at);
	out.updated_at = time(identity.updated_at);
	if (identity.email) out.email = identity.email;
	return out;
}

const time = (value: Date) => value.toISOString();

function putTime(out: Record<string, unknown>, key: string, value: Date | null): void {
	if (value) out[key] = time(value);
}
