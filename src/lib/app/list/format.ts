// Words for a trip's card: dates, people, sync badge. The app's words are English, so are its dates.
import type { TripSyncState } from '$lib/sync';
import { syncLabel } from '../sync-label';

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const full = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** "10 Apr 2027", "10 Apr – 14 Apr 2027", "" when undecided. */
export function tripDates(start: string | null, end: string | null): string {
	if (!start) return '';
	if (!end || end === start) return full.format(utc(start));
	const sameYear = start.slice(0, 4) === end.slice(0, 4);
	return `${(sameYear ? dayMonth : full).format(utc(start))} – ${full.format(utc(end))}`;
}

/** "Ana, Ben and 2 others". */
export function peopleWords(people: string[]): string {
	if (people.length === 0) return '';
	if (people.length <= 2) return people.join(' and ');
	return `${people.slice(0, 2).join(', ')} and ${people.length - 2} ${people.length === 3 ? 'other' : 'others'}`;
}

export type BadgeTone = 'ok' | 'busy' | 'bad' | 'quiet';

/** The card's sync badge: the trip's live state when it is syncing, else what the device knows. */
export function tripBadge(
	state: TripSyncState | undefined,
	entry: { local: boolean; localOnly: boolean },
	offline: boolean,
): { text: string; tone: BadgeTone } {
	if (state) {
		const label = syncLabel(offline ? { kind: 'offline' } : state.status, state.pending);
		const text = label.pending ? `${label.word} · ${label.pending}` : label.word;
		const tone = label.word === 'Synced' ? 'ok' : label.word === 'Error' ? 'bad' : 'busy';
		return { text, tone };
	}
	if (!entry.local) return { text: 'Not on this device yet', tone: 'quiet' };
	if (entry.localOnly) return { text: 'Not synced yet', tone: 'busy' };
	return { text: 'Saved on this device', tone: 'quiet' };
}

export const ROLE_WORDS = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' } as const;
