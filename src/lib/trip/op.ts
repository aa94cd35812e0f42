// How an operation is defined: a validated-arguments step that builds a recipe `(d: TripDoc) => void`,
// wrapped so the same operation works with plain `A.change` and with automerge-repo's `handle.change`.
//
//   doc = renameItem(doc, { itemId, name }, { by })                       // plain Automerge
//   handle.change(renameItem.recipe(args, ctx), { message: renameItem.message(args, ctx) })
import * as A from '@automerge/automerge';
import type { PersonId } from './ids';
import { formatMessage } from './messages';
import type { TripDoc } from './schema';

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
		const body = build(args, ctx);
		return (d) => {
			body(d);
			recordActor(d, ctx);
		};
	};
	const message = (args: Args, ctx: OpContext = {}): string => formatMessage(action, args, ctx.by);
	const apply = (doc: A.Doc<TripDoc>, args: Args, ctx: OpContext = {}): A.Doc<TripDoc> => {
		const full = { ...ctx, actor: ctx.actor ?? A.getActorId(doc) };
		const filled = prepare(args);
		return A.change(doc, { message: message(filled, full) }, recipe(filled, full));
	};
	return Object.assign(apply, { action, recipe, message, prepare });
}

/** Writes actor → person once per actor, so the map costs one op per device, not per change. */
function recordActor(d: TripDoc, ctx: OpContext): void {
	if (!ctx.by || !ctx.actor) return;
	if (!isMap(d.actors)) d.actors = {};
	if (d.actors[ctx.actor] !== ctx.by) d.actors[ctx.actor] = ctx.by;
}

export function isMap(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** Replaces a text field so concurrent edits of the same field still merge per character. */
export function setText(d: TripDoc, path: A.Prop[], target: unknown, key: string, value: string): void {
	const parent = target as Record<string, unknown>;
	if (typeof parent[key] === 'string') {
		if (parent[key] !== value) A.updateText(d, path, value);
	} else {
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
