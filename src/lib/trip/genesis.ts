// The genesis: the one change every trip document starts from.
//
// Automerge merges two containers created at the same key by different peers into a conflict, and
// shows only one of them: whatever the other peer put inside is hidden. So no container that two
// peers might create is ever created by a peer. This change creates all of them, once, with
// constant bytes: a fixed actor, no dependencies, time 0. Its hash is the same in every build and
// for every trip, so two replicas that each start from it share it as a common ancestor, and every
// later write lands in the one container everybody has.
//
// The bytes are checked in rather than built at start-up: a future Automerge could encode the same
// change differently, which would give new trips a different (and incompatible) first change.
// genesis.spec.ts checks that the current library still rebuilds these exact bytes.
//
// On the server: the log binds each Automerge actor to the first user who pushes a change of it in
// a trip. The trip's creator pushes the genesis as the trip's first change, so in each trip the
// genesis actor is bound to its creator; nobody else ever needs to push it (every other member
// receives it with the trip), and no device ever writes with the genesis actor after it.
import * as A from '@automerge/automerge';
import type { TripDoc } from './schema';

/** hex("tripmate genesis"): 16 bytes no device's random actor id will ever be. Writes nothing after the genesis. */
export const GENESIS_ACTOR = '747269706d6174652067656e65736973';

/** Schema version the genesis writes. Later versions add no containers (see migrations.ts). */
export const GENESIS_SCHEMA_VERSION = 2;

const GENESIS_BASE64 =
	'hW9Kg+7E9aUBiQIAEHRyaXBtYXRlIGdlbmVzaXMBAQAUeyJhY3Rpb24iOiJnZW5lc2lzIn0ACAEKAgoVnwE0AUIRVgRXAXACAAIEAAAFfwAABQACBAIABX8LAAVvDXNjaGVtYVZlcnNpb24EbWV0YQtkZXN0aW5hdGlvbgdlbmREYXRlBG5hbWUJc3RhcnREYXRlBnBlb3BsZQ1jYXRlZ29yeU9yZGVyCmNhdGVnb3JpZXMFaXRlbXMJaXRlbU9yZGVyDnVuY2F0ZWdvcml6ZWQ6BXJ1bGVzCW92ZXJyaWRlcwtwbGFuRW50cmllcwVub3RlcwZhY3RvcnMRfgEABAR+AAIDAH8CAwB+BAB/FBAAAhEA';

function decodeBase64(text: string): Uint8Array {
	const binary = atob(text);
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

/** The genesis change (an encoded Automerge change, 276 bytes). Treat as read-only. */
export const GENESIS_CHANGE: Uint8Array = decodeBase64(GENESIS_BASE64);

/** Hex hash of the genesis change: the first head of every trip. */
export const GENESIS_HASH = 'eec4f5a57d5d4ccb408224cf49c3c25afbd390317140e0e7656fca96cab05093';

/**
 * A trip document holding only the genesis, writing with a fresh random actor (or `actor`, for
 * tests and benchmarks) so every later edit is the device's own. Every new trip, template,
 * import and fixture starts here; `createTrip` and friends then fill it in.
 */
export function newTripDoc(actor?: string): A.Doc<TripDoc> {
	const empty = A.init<TripDoc>(actor ? { actor } : undefined);
	return A.loadIncremental(empty, GENESIS_CHANGE);
}
