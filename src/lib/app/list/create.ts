// Making a new trip on this device from a template, a previous trip or a JSON export. The trip
// model builds these as a document (the genesis, then one change); the change is rebuilt with the
// trip handle's own actor, which the engine recorded before any edit, so it is pushed as this
// device's like any other edit, and the new trip appears whole (or not at all) everywhere.
import * as A from '@automerge/automerge';
import type { TripSync } from '$lib/sync';
import {
	addMember,
	createTripFromPrevious,
	createTripFromTemplate,
	findTemplate,
	importTrip,
	newTripId,
	personIdForUser,
	type IsoDate,
	type OpContext,
	type TripDoc,
	type TripId,
	type UserId,
} from '$lib/trip';
import { createTrip, runOp, type NewTrip } from '../trip-ops';

/** Where a new trip's packing list comes from. */
export type TripSource = { kind: 'blank' } | { kind: 'template'; id: string } | { kind: 'previous'; tripId: string };

/** Creates the trip (offline too) and returns its id. Throws TripOpError for a blank name or bad dates. */
export async function createTripFrom(
	sync: TripSync,
	input: NewTrip,
	source: TripSource,
	memberName: string,
): Promise<string> {
	if (source.kind === 'blank') return createTrip(sync, input, memberName);
	const userId = sync.userId as UserId;
	const args = {
		name: input.name,
		destination: input.destination ?? '',
		startDate: (input.startDate || null) as IsoDate | null,
		endDate: (input.endDate || null) as IsoDate | null,
		people: [{ name: memberName, userId }],
	};
	if (source.kind === 'template') {
		const template = findTemplate(source.id);
		if (!template) throw new Error('That template no longer exists.');
		// Built once with a throwaway actor first, so invalid input throws before any trip exists.
		createTripFromTemplate(template, { ...args, tripId: newTripId() });
		return createWith(sync, (tripId, ctx) => createTripFromTemplate(template, { ...args, tripId }, ctx));
	}
	const previous = (await sync.open<TripDoc>(source.tripId)).doc();
	createTripFromPrevious(previous, { ...args, tripId: newTripId() });
	return createWith(sync, (tripId, ctx) => createTripFromPrevious(previous, { ...args, tripId }, {}, ctx));
}

/**
 * Imports a JSON export as a new trip (a fresh id, so importing twice makes two trips) and adds the
 * importer as a member. Returns the trip id, or the problems found in the file.
 */
export async function importTripJson(
	sync: TripSync,
	json: string,
	memberName: string,
): Promise<{ ok: true; tripId: string } | { ok: false; errors: string[] }> {
	const check = importTrip(json);
	if (!check.ok) return check;
	const tripId = await createWith(sync, (id, ctx) => {
		const result = importTrip(json, { tripId: id, ctx });
		if (!result.ok) throw new Error(result.errors.join('; '));
		return result.doc;
	});
	await runOp(sync, tripId, addMember, { userId: sync.userId as UserId, name: memberName });
	return { ok: true, tripId };
}

async function createWith(sync: TripSync, build: (tripId: TripId, ctx: OpContext) => A.Doc<TripDoc>): Promise<string> {
	const tripId = newTripId();
	await sync.createTrip<TripDoc>({ tripId });
	const handle = await sync.open<TripDoc>(tripId);
	const actor = A.getActorId(handle.doc());
	const built = build(tripId, { actor, by: personIdForUser(sync.userId as UserId) });
	const change = A.getLastLocalChange(built);
	if (!change) throw new Error('Nothing to create');
	// The engine recorded `actor` when it opened the trip: this change is captured and pushed as ours.
	handle.update((doc) => A.applyChanges(doc, [change])[0]);
	return tripId;
}
