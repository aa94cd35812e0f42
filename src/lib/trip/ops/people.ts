// People on the trip: members (linked to a user) and non-members such as children.
import { isDocId, isUserId, newPersonId, type PersonId, type UserId } from '../ids';
import { checkName, defineOp, isMap, notFound, removeAll, setText, TripOpError } from '../op';
import { SHARED, type PersonDoc, type TripDoc } from '../schema';

/** Distinct on light and dark backgrounds; picked round-robin so the first people differ. */
export const PERSON_COLOURS = [
	'#e6194b',
	'#3cb44b',
	'#4363d8',
	'#f58231',
	'#911eb4',
	'#42d4f4',
	'#f032e6',
	'#9a6324',
] as const;

const COLOUR = /^#[0-9a-f]{6}$/i;

export function isColour(value: unknown): value is string {
	return typeof value === 'string' && COLOUR.test(value);
}

function person(d: TripDoc, id: PersonId): PersonDoc {
	const found = isMap(d.people) ? d.people[id] : undefined;
	if (!isMap(found)) throw notFound('person', id);
	return found;
}

export interface AddPersonArgs {
	id?: PersonId;
	name: string;
	colour?: string;
	userId?: UserId | null;
}

export const addPerson = defineOp(
	'addPerson',
	(args: AddPersonArgs) => {
		const id = args.id ?? newPersonId();
		if (!isDocId(id)) throw new TripOpError('invalid', 'person id is not a valid id');
		const name = checkName(args.name, 'person name');
		if (args.colour !== undefined && !isColour(args.colour)) {
			throw new TripOpError('invalid', 'colour must be #rrggbb');
		}
		const userId = args.userId ?? null;
		if (userId !== null && !isUserId(userId)) throw new TripOpError('invalid', 'user id must be a UUID');
		return (d) => {
			if (!isMap(d.people)) d.people = {};
			if (isMap(d.people[id])) throw new TripOpError('invalid', `person ${id} already exists`);
			const count = Object.keys(d.people).length;
			const colour = args.colour ?? PERSON_COLOURS[count % PERSON_COLOURS.length] ?? '#888888';
			d.people[id] = { name, colour: colour.toLowerCase(), userId };
		};
	},
	(args) => (args.id ? args : { ...args, id: newPersonId() }),
);

export const renamePerson = defineOp('renamePerson', (args: { personId: PersonId; name: string }) => {
	const name = checkName(args.name, 'person name');
	return (d) => setText(d, ['people', args.personId, 'name'], person(d, args.personId), 'name', name);
});

export const setPersonColour = defineOp('setPersonColour', (args: { personId: PersonId; colour: string }) => {
	if (!isColour(args.colour)) throw new TripOpError('invalid', 'colour must be #rrggbb');
	const colour = args.colour.toLowerCase();
	return (d) => {
		const p = person(d, args.personId);
		if (p.colour !== colour) p.colour = colour;
	};
});

/** Links a person to a member's account (or unlinks with null), e.g. when an invite is accepted. */
export const linkPersonToUser = defineOp('linkPersonToUser', (args: { personId: PersonId; userId: UserId | null }) => {
	if (args.userId !== null && !isUserId(args.userId)) throw new TripOpError('invalid', 'user id must be a UUID');
	return (d) => {
		const p = person(d, args.personId);
		if (p.userId !== args.userId) p.userId = args.userId;
	};
});

/**
 * Removes a person. Their personal items become shared rather than vanish (someone may still pack
 * them), their ticks go, and rules scoped to them forget them.
 */
export const removePerson = defineOp('removePerson', (args: { personId: PersonId }) => (d) => {
	person(d, args.personId);
	delete d.people[args.personId];
	if (isMap(d.items)) {
		for (const it of Object.values(d.items)) {
			if (!isMap(it)) continue;
			if (it.owner === args.personId) it.owner = SHARED;
			if (isMap(it.packed) && args.personId in it.packed) delete it.packed[args.personId];
		}
	}
	if (isMap(d.rules)) {
		for (const rule of Object.values(d.rules)) {
			if (isMap(rule) && Array.isArray(rule.people)) removeAll(rule.people, args.personId);
		}
	}
});
