// A trip's people for its page: members and their roles, profiles, who is here now (presence over
// the engine's trip channel), invites for the owner. Reactive state the collab components read.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Editing, PresentPerson, TripPresence, TripSync } from '$lib/sync';
import {
	createInvite,
	listInvites,
	listMembers,
	profilesOf,
	removeMember,
	revokeInvite,
	setMemberRole,
	setProfile,
	transferOwnership,
	type Invite,
	type Member,
	type MemberRole,
	type Profile,
} from './members-api';
import { colourFor, displayOf } from './people';

export interface HereNow {
	userId: string;
	name: string;
	colour: string;
	me: boolean;
	editing: Editing;
}

export class CollabTrip {
	readonly tripId: string;
	members: Member[] = $state.raw([]);
	/** Replaced whole on every load ($state.raw), never mutated: a plain Map is what is wanted. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	profiles: Map<string, Profile> = $state.raw(new Map());
	present: PresentPerson[] = $state.raw([]);
	invites: Invite[] = $state.raw([]);
	error: string | null = $state(null);
	readonly #client: SupabaseClient;
	readonly #sync: TripSync;
	#presence: TripPresence | null = null;
	#editing: Editing = null;

	constructor(client: SupabaseClient, sync: TripSync, tripId: string) {
		this.#client = client;
		this.#sync = sync;
		this.tripId = tripId;
	}

	get me(): string {
		return this.#sync.userId;
	}

	/** The members present now, one entry per person; unknown user ids (not members) are left out. */
	get hereNow(): HereNow[] {
		const members = this.members.map((m) => m.userId);
		return this.present
			.filter((p) => members.includes(p.userId) || p.userId === this.me)
			.map((p) => ({
				...displayOf(p.userId, this.profiles),
				userId: p.userId,
				me: p.userId === this.me,
				editing: p.editing,
			}));
	}

	nameOf(userId: string): string {
		return displayOf(userId, this.profiles).name;
	}

	async start(myName: string): Promise<void> {
		this.#presence = this.#sync.presence(this.tripId, (people) => {
			this.present = people;
			// Someone new: their profile may not be loaded yet.
			if (people.some((p) => !this.profiles.has(p.userId))) void this.refreshProfiles();
			if (people.some((p) => !this.members.some((m) => m.userId === p.userId))) void this.refresh();
		});
		this.#presence?.setEditing(this.#editing);
		await this.refresh();
		if (!this.profiles.has(this.me)) {
			await setProfile(this.#client, myName, colourFor(this.me)).catch(() => {});
			await this.refreshProfiles();
		}
	}

	async stop(): Promise<void> {
		const p = this.#presence;
		this.#presence = null;
		await p?.close();
	}

	setEditing(editing: Editing): void {
		if (JSON.stringify(editing) === JSON.stringify(this.#editing)) return;
		this.#editing = editing;
		this.#presence?.setEditing(editing);
	}

	#refreshing: Promise<void> | null = null;
	async refresh(): Promise<void> {
		this.#refreshing ??= (async () => {
			try {
				this.members = await listMembers(this.#client, this.tripId);
				await this.refreshProfiles();
				if (this.roleOf(this.me) === 'owner') this.invites = await listInvites(this.#client, this.tripId);
				this.error = null;
			} catch (err) {
				this.error = err instanceof Error ? err.message : String(err);
			} finally {
				this.#refreshing = null;
			}
		})();
		return this.#refreshing;
	}

	async refreshProfiles(): Promise<void> {
		const all = [...this.members.map((m) => m.userId), ...this.present.map((p) => p.userId)];
		const ids = all.filter((id, i) => all.indexOf(id) === i);
		this.profiles = await profilesOf(this.#client, ids).catch(() => this.profiles);
	}

	roleOf(userId: string): MemberRole | null {
		return this.members.find((m) => m.userId === userId)?.role ?? null;
	}

	async createInvite(role: 'editor' | 'viewer'): Promise<string> {
		const token = await createInvite(this.#client, this.tripId, role);
		await this.refresh();
		return token;
	}

	revoke = (id: string) => this.#act(() => revokeInvite(this.#client, id));
	setRole = (userId: string, role: 'editor' | 'viewer') =>
		this.#act(() => setMemberRole(this.#client, this.tripId, userId, role));
	remove = (userId: string) => this.#act(() => removeMember(this.#client, this.tripId, userId));
	transfer = (userId: string) => this.#act(() => transferOwnership(this.#client, this.tripId, userId));

	async #act(fn: () => Promise<void>): Promise<void> {
		try {
			await fn();
			this.error = null;
		} catch (err) {
			this.error = err instanceof Error ? err.message : String(err);
		}
		await this.refresh();
	}
}

const shared = new WeakMap<TripSync, Map<string, { trip: CollabTrip; users: number }>>();

/**
 * The page's one CollabTrip for a trip, shared by the header and the People tab (one presence per
 * tab); `release` when a component using it goes. The last release leaves presence.
 */
export function acquireCollab(
	client: SupabaseClient,
	sync: TripSync,
	tripId: string,
	myName: string,
): { trip: CollabTrip; release: () => void } {
	let byTrip = shared.get(sync);
	// Bookkeeping, not state any component renders.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	if (!byTrip) shared.set(sync, (byTrip = new Map()));
	let entry = byTrip.get(tripId);
	if (!entry) {
		entry = { trip: new CollabTrip(client, sync, tripId), users: 0 };
		byTrip.set(tripId, entry);
		void entry.trip.start(myName);
	}
	entry.users++;
	const e = entry;
	let released = false;
	return {
		trip: e.trip,
		release() {
			if (released) return;
			released = true;
			if (--e.users > 0) return;
			byTrip.delete(tripId);
			void e.trip.stop();
		},
	};
}
