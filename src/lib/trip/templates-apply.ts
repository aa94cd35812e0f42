// Starting a trip from a built-in template or from a previous trip, in one change so the new trip
// appears complete (or not at all) on every device.
import * as A from '@automerge/automerge';
import type { CategoryId, ItemId, PersonId, RuleId } from './ids';
import { newCategoryId, newItemId, newPersonId, newRuleId } from './ids';
import { newTripDoc } from './genesis';
import { formatMessage } from './messages';
import type { OpContext, Recipe } from './op';
import { addCategory } from './ops/categories';
import { addItem } from './ops/items';
import { createTripRecipe, type CreateTripArgs } from './ops/meta';
import { addPerson } from './ops/people';
import { addRule } from './ops/rules';
import { SHARED, type TripDoc } from './schema';
import type { Template } from './templates';
import { readTrip } from './validate';

export interface NewTripArgs extends CreateTripArgs {
	/** People to add; the first is usually the creator. */
	people?: { id?: PersonId; name: string }[];
}

/** The genesis, then the whole new trip in one change. */
function inOneChange(action: string, args: NewTripArgs, ctx: OpContext, recipes: (d: TripDoc) => void): A.Doc<TripDoc> {
	const doc = newTripDoc(ctx.actor);
	const actor = A.getActorId(doc);
	const create = createTripRecipe(args);
	const full = { ...ctx, actor };
	return A.change(doc, { message: formatMessage(action, {}, ctx.by) }, (d) => {
		create(d);
		for (const p of args.people ?? []) addPerson.recipe({ id: p.id ?? newPersonId(), name: p.name }, full)(d);
		recipes(d);
		if (ctx.by) d.actors[actor] = ctx.by;
	});
}

/** A new trip with the template's categories, items and rules. */
export function createTripFromTemplate(template: Template, args: NewTripArgs, ctx: OpContext = {}): A.Doc<TripDoc> {
	const steps: Recipe[] = [];
	for (const category of template.categories) {
		const categoryId = newCategoryId();
		steps.push(addCategory.recipe({ id: categoryId, name: category.name }, ctx));
		for (const it of category.items) {
			const itemId = newItemId();
			steps.push(
				addItem.recipe(
					{
						id: itemId,
						name: it.name,
						categoryId,
						quantity: it.quantity ?? 1,
						notes: it.notes ?? '',
					},
					ctx,
				),
			);
			if (it.rule) {
				steps.push(
					addRule.recipe(
						{
							id: newRuleId(),
							itemId,
							kind: it.rule.kind,
							amount: it.rule.amount,
							minDays: it.rule.minDays ?? null,
							maxDays: it.rule.maxDays ?? null,
						},
						ctx,
					),
				);
			}
		}
	}
	return inOneChange('createTripFromTemplate', args, ctx, (d) => steps.forEach((step) => step(d)));
}

export interface CopyOptions {
	/** Copy the people too (items keep their owners); otherwise personal items become shared. */
	people?: boolean;
	/** Copy quantity rules (default true). */
	rules?: boolean;
	/** Copy item notes (default true). */
	itemNotes?: boolean;
}

/**
 * A new trip built from a previous one: its categories, items and (optionally) rules and people, all
 * under fresh ids, with packed state reset. The previous trip is read through the validating view,
 * so a damaged source yields a clean copy. Manual quantities are kept; overrides are not, since they
 * were set for the old trip's dates and group.
 */
export function createTripFromPrevious(
	previous: unknown,
	args: NewTripArgs,
	options: CopyOptions = {},
	ctx: OpContext = {},
): A.Doc<TripDoc> {
	const source = readTrip(previous);
	const personMap = new Map<string, PersonId>();
	const people = [...(args.people ?? [])];
	if (options.people) {
		for (const p of source.people) {
			const id = newPersonId();
			personMap.set(p.id, id);
			people.push({ id, name: p.name });
		}
	}
	const itemMap = new Map<string, ItemId>();
	const steps: Recipe[] = [];
	for (const category of source.categories) {
		const categoryId: CategoryId = newCategoryId();
		steps.push(addCategory.recipe({ id: categoryId, name: category.name }, ctx));
		for (const oldId of category.itemIds) {
			const it = source.items[oldId];
			if (!it) continue;
			const itemId = newItemId();
			itemMap.set(oldId, itemId);
			const owner = it.owner === SHARED ? SHARED : (personMap.get(it.owner) ?? SHARED);
			steps.push(
				addItem.recipe(
					{
						id: itemId,
						name: it.name,
						categoryId,
						owner,
						quantity: it.quantity.manualQuantity,
						notes: options.itemNotes === false ? '' : it.notes,
					},
					ctx,
				),
			);
		}
	}
	if (options.rules !== false) {
		for (const r of source.rules) {
			const itemId = itemMap.get(r.itemId);
			if (!itemId) continue;
			// A rule scoped to people who were not copied would silently count nobody: drop the scope.
			const scope =
				r.people && options.people
					? r.people.map((p) => personMap.get(p)).filter((p): p is PersonId => p !== undefined)
					: null;
			const id: RuleId = newRuleId();
			steps.push(
				addRule.recipe(
					{
						id,
						itemId,
						kind: r.kind,
						amount: r.amount,
						minDays: r.minDays,
						maxDays: r.maxDays,
						people: scope,
					},
					ctx,
				),
			);
		}
	}
	return inOneChange('createTripFromPrevious', { ...args, people }, ctx, (d) => steps.forEach((step) => step(d)));
}
