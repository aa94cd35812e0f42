import type { User } from '@supabase/supabase-js';

/**
 * Who is using the app on this device, with the data each state needs:
 *
 * - `starting`: reading the stored session (or signing in as a new guest);
 * - `guest`: an anonymous user — everything works, and "Save your trips" is offered;
 * - `confirming`: the guest asked to save their trips under `email` and must open the link mailed
 *   there (on any device); still the same user, still working;
 * - `set-password`: the email is confirmed (the user is permanent now); a password finishes it;
 * - `account`: a permanent user with an email;
 * - `signed-out`: no session on this device (after sign-out);
 * - `error`: the last step failed; `message` is for a person, `retry` says whether trying again
 *   may help (network), and `previous` is the state the app is still in, when there is one.
 */
export type AuthState =
	| { kind: 'starting' }
	| { kind: 'guest'; user: User }
	| { kind: 'confirming'; user: User; email: string }
	| { kind: 'set-password'; user: User; email: string }
	| { kind: 'account'; user: User; email: string }
	| { kind: 'signed-out' }
	| { kind: 'error'; message: string; retry: boolean; previous?: SignedInState };

/** The states with a signed-in user. */
export type SignedInState = Extract<AuthState, { user: User }>;

/** A link to an email this device is waiting on, kept so a reload still knows (see AppAuth). */
export interface PendingLink {
	userId: string;
	email: string;
	stage: 'confirming' | 'set-password';
}

/** The state a signed-in user is in, given what this device is waiting on. */
export function stateOfUser(user: User, pending: PendingLink | null): SignedInState {
	const mine = pending?.userId === user.id ? pending : null;
	if (user.is_anonymous) {
		return mine ? { kind: 'confirming', user, email: mine.email } : { kind: 'guest', user };
	}
	const email = user.email ?? mine?.email ?? '';
	if (mine) return { kind: 'set-password', user, email };
	return { kind: 'account', user, email };
}

/** The signed-in user of a state, if any. */
export function userOf(state: AuthState): User | null {
	return 'user' in state ? state.user : state.kind === 'error' ? (state.previous?.user ?? null) : null;
}
