// Running the trip model's operations through the engine: `TripSync.change` records the actor
// durably before its first change and refuses a viewer's edit before it is made, which a bare
// `applyOp(handle, ...)` would skip.
import * as A from '@automerge/automerge';
import type { TripSync } from '$lib/sync';
import {
	addCategory,
	addMember,
	createTripRecipe,
	newCategoryId,
	newTripId,
	personIdForUser,
	type CategoryId,
	type IsoDate,
	type OpContext,
	type TripDoc,
	type TripOp,
	type UserId,
} from '$lib/trip';

/** Applies `op` as one change of the trip and returns the arguments as run (with generated ids). */
export async function runOp<Args>(
	sync: TripSync,
	tripId: string,
	op: TripOp<Args>,
	args: Args,
	ctx: OpContext = {},
): Promise<Args> {
	const handle = await sync.open<TripDoc>(tripId);
	const doc = handle.doc();
	const full: OpContext = { ...ctx, actor: doc ? A.getActorId(doc) : undefined };
	const filled = op.prepare(args);
	// Built first, so invalid arguments throw here and never open a change.
	const recipe = op.recipe(filled, full);
	await sync.change<TripDoc>(tripId, recipe, { message: op.message(filled, full) });
	return filled;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each call pairs an op with its own args
export type OpCall = readonly [TripOp<any>, unknown];

/** Applies several operations as ONE change (all or nothing), e.g. a rule replaced by its edit. */
export async function runOps(
	sync: TripSync,
	tripId: string,
	calls: readonly OpCall[],
	ctx: OpContext = {},
): Promise<void> {
	if (calls.length === 0) return;
	const handle = await sync.open<TripDoc>(tripId);
	const doc = handle.doc();
	const full: OpContext = { ...ctx, actor: doc ? A.getActorId(doc) : undefined };
	const steps = calls.map(([op, args]) => {
		const filled = op.prepare(args);
		return { recipe: op.recipe(filled, full), message: op.message(filled, full) };
	});
	await sync.change<TripDoc>(
		tripId,
		(d) => {
			for (const step of steps) step.recipe(d);
		},
		{ message: steps[0]!.message },
	);
}

/** The categories a trip made here starts with, so "Add item" works at once. */
export const STARTER_CATEGORIES = ['Clothes', 'Toiletries', 'Documents', 'Gear'];

/** The category created on the fly when an item is added to a trip that has none. */
export const FALLBACK_CATEGORY = 'General';

export interface NewTrip {
	name: string;
	destination?: string;
	startDate?: string;
	endDate?: string;
}

/**
 * Creates a trip on this device (offline too) in one change after the genesis: its meta, the
 * creator as a member, and the starter categories. Throws TripOpError for a blank name or bad dates.
 */
export async function createTrip(sync: TripSync, input: NewTrip, memberName: string): Promise<string> {
	const tripId = newTripId();
	const create = createTripRecipe({
		tripId,
		name: input.name,
		destination: input.destination ?? '',
		startDate: (input.startDate || null) as IsoDate | null,
		endDate: (input.endDate || null) as IsoDate | null,
	});
	const userId = sync.userId as UserId;
	const by = personIdForUser(userId);
	const member = addMember.recipe({ userId, name: memberName });
	const categories = STARTER_CATEGORIES.map((name) =>
		addCategory.recipe({ id: newCategoryId() as CategoryId, name }, { by }),
	);
	return sync.createTrip<TripDoc>({
		tripId,
		init: (d) => {
			create(d);
			member(d);
			for (const add of categories) add(d);
		},
	});
}
