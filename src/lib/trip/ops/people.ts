// People on the trip: members (linked to a user) and non-members such as children.
import { asString, isMap, listsAt } from '../conflicted';
import { isUserId, newPersonId, personIdForUser, type PersonId, type UserId } from '../ids';
import { checkId, checkName, defineOp, removeAll, setText, TripOpError } from '../op';
import { SHARED } from '../schema';
import { deleteEntry, entries, findEntry, person, writable } from './access';

/** Distinct on light and dark backgrounds; a person's default is picked by their id (colourForId). */
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

/**
 * A person's default colour, from their id (FNV-1a): people added on two devices at once get the
 * colours their ids give them, where a count of people so far would give both the same one.
 */
export function colourForId(id: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
	return PERSON_COLOURS[hash % PERSON_COLOURS.length] ?? '#888888';
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
		const id = args.id === undefined ? newPersonId() : checkId<PersonId>(args.id, 'person id');
		const name = checkName(args.name, 'person name');
		if (args.colour !== undefined && !isColour(args.colour)) {
			throw new TripOpError('invalid', 'colour must be #rrggbb');
		}
		const userId = args.userId ?? null;
		if (userId !== null && !isUserId(userId)) throw new TripOpError('invalid', 'user id must be a UUID');
		return (d) => {
			if (findEntry(d, 'people', id)) throw new TripOpError('invalid', `person ${id} already exists`);
			writable(d, 'people')[id] = { name, colour: (args.colour ?? colourForId(id)).toLowerCase(), userId };
		};
	},
	(args) => (args.id ? args : { ...args, id: newPersonId() }),
);

export interface AddMemberArgs {
	userId: UserId;
	name: string;
	colour?: string;
}

/**
 * Adds a signed-in member as their own person, with the id derived from their user id
 * (`personIdForUser`), so the same member never appears twice. A no-op when that person is already
 * on the trip (linking it, should it have lost its user id). Two of the member's devices doing this
 * at once each write the same person; the view shows one of the two records.
 */
export const addMember = defineOp('addMember', (args: AddMemberArgs) => {
	if (!isUserId(args.userId)) throw new TripOpError('invalid', 'user id must be a UUID');
	const id = personIdForUser(args.userId);
	const add = addPerson.recipe({ id, name: args.name, colour: args.colour, userId: args.userId });
	return (d) => {
		const existing = findEntry(d, 'people', id);
		if (!existing) return add(d);
		if (asString(existing.userId) !== args.userId) existing.userId = args.userId;
	};
});

export const renamePerson = defineOp('renamePerson', (args: { personId: PersonId; name: string }) => {
	const personId = checkId<PersonId>(args.personId, 'person');
	const name = checkName(args.name, 'person name');
	return (d) => setText(person(d, personId) as never, 'name', name);
});

export const setPersonColour = defineOp('setPersonColour', (args: { personId: PersonId; colour: string }) => {
	const personId = checkId<PersonId>(args.personId, 'person');
	if (!isColour(args.colour)) throw new TripOpError('invalid', 'colour must be #rrggbb');
	const colour = args.colour.toLowerCase();
	return (d) => {
		const p = person(d, personId);
		if (p.colour !== colour) p.colour = colour;
	};
});

/** Links a person to a member's account (or unlinks with null), e.g. when an invite is accepted. */
export const linkPersonToUser = defineOp('linkPersonToUser', (args: { personId: PersonId; userId: UserId | null }) => {
	const personId = checkId<PersonId>(args.personId, 'person');
	if (args.userId !== null && !isUserId(args.userId)) throw new TripOpError('invalid', 'user id must be a UUID');
	return (d) => {
		const p = person(d, personId);
		if ((asString(p.userId) ?? null) !== args.userId) p.userId = args.userId;
	};
});

/**
 * Removes a person. Their personal items become shared rather than vanish (someone may still pack
 * them), their ticks go, and rules scoped to them forget them.
 */
export const removePerson = defineOp('removePerson', (args: { personId: PersonId }) => {
	const personId = checkId<PersonId>(args.personId, 'person');
	return (d) => {
		person(d, personId);
		deleteEntry(d, 'people', personId);
		for (const [, it] of entries(d, 'items')) {
			if (asString(it.owner) === personId) it.owner = SHARED;
			if (isMap(it.packed) && Object.prototype.hasOwnProperty.call(it.packed, personId)) delete it.packed[personId];
		}
		for (const [, rule] of entries(d, 'rules')) {
			for (const list of listsAt(rule, 'people')) removeAll(list as PersonId[], personId);
		}
	};
});
