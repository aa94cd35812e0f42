import type { AuthChangeEvent, RealtimeChannel, Session, SupabaseClient, User } from '@supabase/supabase-js';

/** What the app's link to Supabase is doing; the data each state needs travels with it. */
export type ConnectionStatus =
	| { state: 'connecting' }
	| { state: 'signing-in' }
	| { state: 'connected'; userId: string; isAnonymous: boolean }
	| { state: 'error'; message: string };

/** A public channel every client joins, so "connected" also proves the Realtime path works. */
export const HELLO_TOPIC = 'tripmate:hello';

export interface ConnectionOptions {
	/** The channel joined to prove Realtime; default {@link HELLO_TOPIC}. */
	topic?: string;
}

/**
 * The app's connection to Supabase as reactive state: signs in anonymously when there is no
 * session, then joins a public Realtime channel, and reports "connected" only once that channel is
 * SUBSCRIBED. Every start, sign-out or stop begins a new run; late results of older runs are dropped.
 */
export class Connection {
	/** The current status; read it in a component or `$derived` to follow it. */
	status: ConnectionStatus = $state({ state: 'connecting' });

	readonly #client: SupabaseClient;
	readonly #topic: string;
	#run = 0;
	#channel: RealtimeChannel | undefined;
	#authListener: { unsubscribe(): void } | undefined;
	#signingOut = false;

	constructor(client: SupabaseClient, options: ConnectionOptions = {}) {
		this.#client = client;
		this.#topic = options.topic ?? HELLO_TOPIC;
	}

	/** Signs in if needed and joins the channel. Calling it again restarts the connection. */
	async start(): Promise<void> {
		const run = await this.#newRun();
		this.#authListener ??= this.#client.auth.onAuthStateChange((event) => this.#onAuthEvent(event)).data.subscription;
		this.status = { state: 'connecting' };
		try {
			const session = await this.#session(run);
			if (run === this.#run) this.#join(run, session.user);
		} catch (err) {
			if (run === this.#run) this.status = { state: 'error', message: messageOf(err) };
		}
	}

	/** Signs this device out (other devices stay signed in), then starts again as a new guest. */
	async signOut(): Promise<void> {
		const run = await this.#newRun();
		this.#signingOut = true;
		const { error } = await this.#client.auth.signOut({ scope: 'local' }).finally(() => (this.#signingOut = false));
		if (run !== this.#run) return;
		if (error) {
			this.status = { state: 'error', message: `Sign-out failed: ${error.message}` };
			return;
		}
		await this.start();
	}

	/** Leaves the channel and stops following auth events. Idempotent. */
	async stop(): Promise<void> {
		await this.#newRun();
		this.#authListener?.unsubscribe();
		this.#authListener = undefined;
	}

	/** Supersedes the current run and leaves its channel. */
	async #newRun(): Promise<number> {
		const run = ++this.#run;
		const channel = this.#channel;
		this.#channel = undefined;
		if (channel) await this.#client.removeChannel(channel).catch(() => {});
		return run;
	}

	async #session(run: number): Promise<Session> {
		const existing = await this.#client.auth.getSession();
		if (existing.error) throw existing.error;
		if (existing.data.session) return existing.data.session;
		if (run === this.#run) this.status = { state: 'signing-in' };
		const { data, error } = await this.#client.auth.signInAnonymously();
		if (error) throw error;
		if (!data.session) throw new Error('Anonymous sign-in returned no session');
		return data.session;
	}

	#join(run: number, user: User): void {
		this.status = { state: 'connecting' };
		const channel = this.#client.channel(this.#topic);
		this.#channel = channel;
		channel.subscribe((state, err) => {
			if (run !== this.#run) return;
			switch (state) {
				case 'SUBSCRIBED':
					this.status = { state: 'connected', userId: user.id, isAnonymous: user.is_anonymous ?? false };
					break;
				case 'CHANNEL_ERROR':
					// realtime-js keeps rejoining; the next SUBSCRIBED clears this.
					this.status = { state: 'error', message: `Realtime: ${err?.message ?? 'channel error'}; retrying…` };
					break;
				case 'TIMED_OUT':
				case 'CLOSED':
					this.status = { state: 'connecting' };
					break;
			}
		});
	}

	/** A session lost elsewhere (another tab signed out, refresh token revoked) starts over. */
	#onAuthEvent(event: AuthChangeEvent): void {
		if (event !== 'SIGNED_OUT' || this.#signingOut) return;
		// Deferred: supabase-js holds its auth lock while it runs these callbacks.
		setTimeout(() => void this.start(), 0);
	}
}

function messageOf(err: unknown): string {
	if (err instanceof Error && err.message) return err.message;
	return typeof err === 'string' ? err : 'Something went wrong';
}
