// Quantity rules and manual overrides. Rules store only their parameters; the quantities they yield
// are computed on read (rules.ts at the top level), so a change of dates or people needs no write.
import { isDocId, newRuleId, type ItemId, type PersonId, type RuleId } from '../ids';
import { checkQuantity, defineOp, isMap, notFound, TripOpError } from '../op';
import { RULE_KINDS, type RuleKind, type TripDoc } from '../schema';

export interface AddRuleArgs {
	id?: RuleId;
	itemId: ItemId;
	kind: RuleKind;
	amount: number;
	minDays?: number | null;
	maxDays?: number | null;
	people?: PersonId[] | null;
}

function checkDays(value: unknown, what: string): number | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 366) {
		throw new TripOpError('invalid', `${what} must be a whole number of days from 1 to 366`);
	}
	return value;
}

function requireItem(d: TripDoc, id: ItemId): void {
	if (!isMap(d.items) || !isMap(d.items[id])) throw notFound('item', id);
}

export const addRule = defineOp(
	'addRule',
	(args: AddRuleArgs) => {
		const id = args.id ?? newRuleId();
		if (!isDocId(id)) throw new TripOpError('invalid', 'rule id is not a valid id');
		if (!RULE_KINDS.includes(args.kind)) throw new TripOpError('invalid', `unknown rule kind ${String(args.kind)}`);
		const amount = checkQuantity(args.amount, 'amount');
		const minDays = checkDays(args.minDays, 'minimum days');
		const maxDays = checkDays(args.maxDays, 'maximum days');
		if (minDays !== null && maxDays !== null && minDays > maxDays) {
			throw new TripOpError('invalid', 'minimum days exceed maximum days');
		}
		const people = args.people ? [...new Set(args.people)] : null;
		if (people?.some((p) => !isDocId(p))) throw new TripOpError('invalid', 'people must be person ids');
		return (d) => {
			requireItem(d, args.itemId);
			if (!isMap(d.rules)) d.rules = {};
			if (isMap(d.rules[id])) throw new TripOpError('invalid', `rule ${id} already exists`);
			d.rules[id] = {
				itemId: args.itemId,
				kind: args.kind,
				amount,
				minDays,
				maxDays,
				people,
			};
		};
	},
	(args) => (args.id ? args : { ...args, id: newRuleId() }),
);

export const removeRule = defineOp('removeRule', (args: { ruleId: RuleId }) => (d) => {
	if (!isMap(d.rules) || !isMap(d.rules[args.ruleId])) throw notFound('rule', args.ruleId);
	delete d.rules[args.ruleId];
});

export const overrideQuantity = defineOp('overrideQuantity', (args: { itemId: ItemId; quantity: number }) => {
	const quantity = checkQuantity(args.quantity);
	return (d) => {
		requireItem(d, args.itemId);
		if (!isMap(d.overrides)) d.overrides = {};
		if (d.overrides[args.itemId] !== quantity) d.overrides[args.itemId] = quantity;
	};
});

export const clearOverride = defineOp('clearOverride', (args: { itemId: ItemId }) => (d) => {
	if (isMap(d.overrides) && args.itemId in d.overrides) delete d.overrides[args.itemId];
});
