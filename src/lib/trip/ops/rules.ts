// Quantity rules and manual overrides. Rules store only their parameters; the quantities they yield
// are computed on read (rules.ts at the top level), so a change of dates or people needs no write.
import { own } from '../conflicted';
import { isDocId, newRuleId, type ItemId, type PersonId, type RuleId } from '../ids';
import { checkId, checkQuantity, defineOp, notFound, TripOpError } from '../op';
import { RULE_KINDS, type RuleKind } from '../schema';
import { deleteEntry, findEntry, item, writable } from './access';

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

export const addRule = defineOp(
	'addRule',
	(args: AddRuleArgs) => {
		const id = args.id === undefined ? newRuleId() : checkId<RuleId>(args.id, 'rule id');
		const itemId = checkId<ItemId>(args.itemId, 'item');
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
			item(d, itemId);
			if (findEntry(d, 'rules', id)) throw new TripOpError('invalid', `rule ${id} already exists`);
			writable(d, 'rules')[id] = {
				itemId,
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

export const removeRule = defineOp('removeRule', (args: { ruleId: RuleId }) => {
	const ruleId = checkId<RuleId>(args.ruleId, 'rule');
	return (d) => {
		if (!findEntry(d, 'rules', ruleId)) throw notFound('rule', ruleId);
		deleteEntry(d, 'rules', ruleId);
	};
});

export const overrideQuantity = defineOp('overrideQuantity', (args: { itemId: ItemId; quantity: number }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	const quantity = checkQuantity(args.quantity);
	return (d) => {
		item(d, itemId);
		const overrides = writable(d, 'overrides');
		if (own(overrides, itemId) !== quantity) overrides[itemId] = quantity;
	};
});

export const clearOverride = defineOp('clearOverride', (args: { itemId: ItemId }) => {
	const itemId = checkId<ItemId>(args.itemId, 'item');
	return (d) => void deleteEntry(d, 'overrides', itemId);
});
