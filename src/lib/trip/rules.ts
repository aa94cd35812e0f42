// Quantities from rules. Pure functions of validated data, evaluated on every read, so they follow
// dates and people without any write (and without concurrent "recompute" writes that would conflict).
import type { PersonId } from './ids';
import { SHARED, type Owner, type QuantityView, type RuleKind } from './schema';

export interface RuleInput {
	kind: RuleKind;
	amount: number;
	minDays: number | null;
	maxDays: number | null;
	people: PersonId[] | null;
}

export interface RuleContext {
	/** Trip length in days, or null while dates are unset. */
	days: number | null;
	/** Everyone on the trip. */
	people: readonly PersonId[];
}

/**
 * Whether a rule's length condition holds. With unknown dates a conditional rule does not apply:
 * "ski socks if ≥ 5 days" should not appear before anyone has said how long the trip is.
 */
export function ruleApplies(rule: RuleInput, days: number | null): boolean {
	if (rule.minDays === null && rule.maxDays === null) return true;
	if (days === null) return false;
	if (rule.minDays !== null && days < rule.minDays) return false;
	if (rule.maxDays !== null && days > rule.maxDays) return false;
	return true;
}

/**
 * How many people a rule counts for an item: its scope (or everyone), and for a personal item only
 * the owner — "1 t-shirt per person per day" on Alice's t-shirts means Alice's days.
 */
export function peopleCounted(rule: RuleInput, owner: Owner, ctx: RuleContext): number {
	const onTrip = new Set(ctx.people);
	const scope = rule.people ? rule.people.filter((p) => onTrip.has(p)) : [...onTrip];
	if (owner === SHARED) return new Set(scope).size;
	return scope.includes(owner) ? 1 : 0;
}

export function ruleQuantity(rule: RuleInput, owner: Owner, ctx: RuleContext): number {
	if (!ruleApplies(rule, ctx.days)) return 0;
	switch (rule.kind) {
		case 'perTrip':
			return rule.amount;
		case 'perPerson':
			return rule.amount * peopleCounted(rule, owner, ctx);
		case 'perPersonPerDay':
			// Unknown length counts as one day, so the list is usable before dates are set.
			return rule.amount * peopleCounted(rule, owner, ctx) * (ctx.days ?? 1);
	}
}

/** The quantity shown for an item: an override wins, then rules (summed), then the manual value. */
export function resolveQuantity(
	rules: readonly RuleInput[],
	owner: Owner,
	manual: number,
	override: number | null,
	ctx: RuleContext,
): QuantityView {
	const fromRules = rules.length ? rules.reduce((sum, r) => sum + ruleQuantity(r, owner, ctx), 0) : null;
	if (override !== null) {
		return {
			ruleQuantity: fromRules,
			overrideQuantity: override,
			manualQuantity: manual,
			effective: override,
			source: 'override',
		};
	}
	if (fromRules !== null) {
		return {
			ruleQuantity: fromRules,
			overrideQuantity: null,
			manualQuantity: manual,
			effective: fromRules,
			source: 'rule',
		};
	}
	return {
		ruleQuantity: null,
		overrideQuantity: null,
		manualQuantity: manual,
		effective: manual,
		source: 'manual',
	};
}
