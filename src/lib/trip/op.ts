// How an operation is defined: a validated-arguments step that builds a recipe `(d: TripDoc) => void`,
// wrapped so the same operation works with plain `A.change` and with automerge-repo's `handle.change`.
//
//   doc = renameItem(doc, { itemId, name }, { by })                       // plain Automerge
//   handle.change(renameItem.recipe(args, ctx), { message: renameItem.message(args, ctx) })
import * as A from '@automerge/automerge';
import { mapsAt } from './conflicted';
import { isDocId, type PersonId } from './ids';
import { formatMessage } from './messages';
import type { TripDoc } from './schema';

export { isMap } from './conflicted';

export type Recipe = (d: TripDoc) => void;

export interface OpContext {
	/** The person making the change; recorded in the message and in the doc's actor map. */
	by?: PersonId;
	/** The actor id writing the change; filled in automatically by the plain-Automerge wrapper. */
	actor?: string;
	/** Clock for `createdAt`, in ms; tests pin it. */
	now?: number;
}

export type TripOpErrorCode = 'invalid' | 'not_found';

/** An operation refused: bad arguments, or a target that does not (or no longer) exist. */
export class TripOpError extends Error {
	readonly code: TripOpErrorCode;
	constructor(code: TripOpErrorCode, message: string) {
		super(message);
		this.name = 'TripOpError';
		this.code = code;
	}
}

export function isTripOpError(e: unknown): e is TripOpError {
	return e instanceof TripOpError;
}

export interface TripOp<Args> {
	(doc: A.Doc<TripDoc>, args: Args, ctx?: OpContext): A.Doc<TripDoc>;
	readonly action: string;
	/** The mutation alone, for `handle.change`. Throws TripOpError at once for invalid arguments. */
	recipe(args: Args, ctx?: OpContext): Recipe;
	message(args: Args, ctx?: OpContext): string;
	/**
	 * Fills in generated ids (e.g. a new item's id). The plain wrapper does it for you; with
	 * `handle.change`, call it first and pass the result to both `recipe` and `message`.
	 */
	prepare(args: Args): Args;
}

/**
 * Defines an operation. `build` validates the arguments eagerly (so a bad call never opens a
 * transaction) and returns the recipe; a recipe that throws inside `A.change` rolls back entirely.
 */
export function defineOp<Args>(
	action: string,
	build: (args: Args, ctx: OpContext) => Recipe,
	prepare: (args: Args) => Args = (args) => args,
): TripOp<Args> {
	const recipe = (args: Args, ctx: OpContext = {}): Recipe => {
		const body = guarded(() => build(args, ctx));
		return (d) =>
			guarded(() => {
				body(d);
				recordActor(d, ctx);
			});
	};
	const message = (args: Args, ctx: OpContext = {}): string => formatMessage(action, args, ctx.by);
	const apply = (doc: A.Doc<TripDoc>, args: Args, ctx: OpContext = {}): A.Doc<TripDoc> => {
		const full = { ...ctx, actor: ctx.actor ?? A.getActorId(doc) };
		const filled = prepare(args);
		return A.change(doc, { message: message(filled, full) }, recipe(filled, full));
	};
	return Object.assign(apply, { action, recipe, message, prepare });
}

/**
 * Runs one step of an operation so that it fails only with TripOpError. The steps check what they
 * touch, but the document comes from peers: a shape nobody foresaw must refuse the operation (the
 * change rolls back) rather than surface a raw TypeError or RangeError in the UI.
 */
function guarded<T>(step: () => T): T {
	try {
		return step();
	} catch (e) {
		if (e instanceof TripOpError) throw e;
		const detail = e instanceof Error ? e.message : String(e);
		throw new TripOpError('invalid', `the trip document cannot take this change here (${detail})`);
	}
}

/** Writes actor → person once per actor, so the map costs one op per device, not per change. */
function recordActor(d: TripDoc, ctx: OpContext): void {
	if (!ctx.by || !ctx.actor) return;
	const [actors] = mapsAt(d, 'actors');
	if (!actors) d.actors = { [ctx.actor]: ctx.by };
	else if (actors[ctx.actor] !== ctx.by) actors[ctx.actor] = ctx.by;
}

export function checkId<T extends string>(value: unknown, what: string): T {
	if (!isDocId(value)) throw new TripOpError('invalid', `${what} is not a valid id`);
	return value as T;
}

// ---- argument checks shared by the operation modules ----------------------------------------

export const MAX_NAME_LENGTH = 200;
export const MAX_NOTES_LENGTH = 20_000;
export const MAX_QUANTITY = 9_999;

export function checkName(value: unknown, what: string): string {
	if (typeof value !== 'string') throw new TripOpError('invalid', `${what} must be text`);
	const trimmed = value.trim();
	if (!trimmed) throw new TripOpError('invalid', `${what} must not be empty`);
	if (trimmed.length > MAX_NAME_LENGTH) {
		throw new TripOpError('invalid', `${what} is longer than ${MAX_NAME_LENGTH} characters`);
	}
	return trimmed;
}

export function checkText(value: unknown, what: string, max = MAX_NOTES_LENGTH): string {
	if (typeof value !== 'string') throw new TripOpError('invalid', `${what} must be text`);
	if (value.length > max) throw new TripOpError('invalid', `${what} is longer than ${max} characters`);
	return value;
}

export function checkQuantity(value: unknown, what = 'quantity'): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_QUANTITY) {
		throw new TripOpError('invalid', `${what} must be a whole number from 0 to ${MAX_QUANTITY}`);
	}
	return value;
}

/**
 * Replaces a text field so concurrent edits of the same field still merge per character. `parent`
 * is the object holding the field, addressed directly rather than by a path from the root: it may
 * be a map that a path cannot reach (one of two containers at a key; see conflicted.ts).
 */
export function setText(parent: Record<string, unknown>, key: string, value: string): void {
	const current = Object.prototype.hasOwnProperty.call(parent, key) ? parent[key] : undefined;
	if (typeof current === 'string') {
		if (current !== value) A.updateText(parent as A.Doc<unknown>, [key], value);
	} else {
		// Missing, or an immutable string from an older writer: start a collaborative text.
		parent[key] = value;
	}
}

export function notFound(what: string, id: string): TripOpError {
	return new TripOpError('not_found', `${what} ${id} does not exist`);
}

/** Removes every occurrence of `value` from an Automerge list (duplicates can come from merges). */
export function removeAll<T>(list: T[], value: T): void {
	for (let i = list.length - 1; i >= 0; i--) {
		if (list[i] === value) list.splice(i, 1);
	}
}
