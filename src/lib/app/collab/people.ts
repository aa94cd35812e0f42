// Names and colours for people on a trip: from `profiles` by user id (never from presence or the
// document), with a stand-in for someone who has not set one.
import type { Profile } from './members-api';

const COLOURS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#dc2626'];

/** A stable colour for a user id (the same on every device). */
export function colourFor(userId: string): string {
	let h = 0;
	for (const c of userId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
	return COLOURS[h % COLOURS.length]!;
}

export function displayOf(userId: string, profiles: Map<string, Profile>): { name: string; colour: string } {
	const p = profiles.get(userId);
	return p ? { name: p.name, colour: p.colour } : { name: `Guest ${userId.slice(0, 4)}`, colour: colourFor(userId) };
}

export const ROLE_LABEL = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' } as const;

/** The full app URL a token joins through. */
export function inviteUrl(origin: string, base: string, token: string): string {
	return `${origin}${base}/join/${encodeURIComponent(token)}`;
}
