// Running an operation on an automerge-repo DocHandle in one call: ids filled in, the actor → person
// mapping recorded, the change message set. The handle is structural (anything with `doc()` and
// `change(fn, { message })`), so this module needs no automerge-repo import and tests need no repo.
import * as A from '@automerge/automerge';
import { TripOpError, type OpContext, type TripOp } from './op';
import type { TripDoc } from './schema';

export interface ChangeableHandle {
	doc(): A.Doc<TripDoc> | undefined;
	change(fn: (d: TripDoc) => void, options?: { message?: string }): unknown;
}

/**
 * Applies `op` to the handle's document as one change and returns the arguments as run (with the
 * generated ids, e.g. a new item's `id`). Throws TripOpError, leaving the document unchanged, for
 * invalid arguments, a missing target, or a handle with no document yet.
 */
export function applyOp<Args>(handle: ChangeableHandle, op: TripOp<Args>, args: Args, ctx: OpContext = {}): Args {
	const doc = handle.doc();
	if (!doc || !A.isAutomerge(doc)) throw new TripOpError('not_found', 'the trip is not loaded yet');
	const full: OpContext = { ...ctx, actor: ctx.actor ?? A.getActorId(doc) };
	const filled = op.prepare(args);
	// Built before the change so invalid arguments never open a transaction.
	const recipe = op.recipe(filled, full);
	handle.change(recipe, { message: op.message(filled, full) });
	return filled;
}
