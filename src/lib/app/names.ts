import { userOf, type AuthState } from '$lib/supabase';

/** The name a member gets on a trip they create or join: their email, else "Guest" and a short id. */
export function memberName(state: AuthState): string {
	const user = userOf(state);
	if (!user) return 'Guest';
	return user.email || `Guest ${user.id.slice(0, 4)}`;
}
