// Who is on a trip now, from Realtime presence on its channel. Every connection (each tab) tracks
// its own meta, so one person can appear several times: people are merged by user id. A meta is
// self-declared: the user id is only a key to look the person up (names and colours come from
// `profiles`, never from here), and ids that are not members of the trip are dropped by the caller.
import type { PresenceState } from './server';

/** What a person is editing: an item (optionally one field of it) or a text (notes, a plan day). */
export type Editing = { kind: 'item'; id: string; field?: string } | { kind: 'text'; id: string } | null;

export interface PresentPerson {
	userId: string;
	/** What the most recently active of their connections is editing. */
	editing: Editing;
	/** How many connections (tabs, devices) they have on the trip. */
	connections: number;
}

const ID = /^[\w-]{1,100}$/;

function editingOf(raw: unknown): Editing {
	if (typeof raw !== 'object' || raw === null) return null;
	const r = raw as Record<string, unknown>;
	if (typeof r.id !== 'string' || !ID.test(r.id)) return null;
	if (r.kind === 'item')
		return typeof r.field === 'string' && ID.test(r.field)
			? { kind: 'item', id: r.id, field: r.field }
			: { kind: 'item', id: r.id };
	if (r.kind === 'text') return { kind: 'text', id: r.id };
	return null;
}

/** The payload this client tracks. */
export function presencePayload(userId: string, editing: Editing, at = Date.now()): Record<string, unknown> {
	return { user_id: userId, editing, at };
}

/** One entry per user id, in user id order (stable across replicas and renders). */
export function presentPeople(state: PresenceState): PresentPerson[] {
	const byUser = new Map<string, PresentPerson & { at: number }>();
	for (const metas of Object.values(state)) {
		for (const meta of Array.isArray(metas) ? metas : []) {
			const userId = meta.user_id;
			if (typeof userId !== 'string' || !ID.test(userId)) continue;
			const at = typeof meta.at === 'number' && Number.isFinite(meta.at) ? meta.at : 0;
			const editing = editingOf(meta.editing);
			const seen = byUser.get(userId);
			if (!seen) byUser.set(userId, { userId, editing, connections: 1, at });
			else {
				seen.connections++;
				if (at >= seen.at) Object.assign(seen, { at, editing: editing ?? seen.editing });
			}
		}
	}
	return [...byUser.values()]
		.sort((a, b) => (a.userId < b.userId ? -1 : 1))
		.map(({ userId, editing, connections }) => ({ userId, editing, connections }));
}
