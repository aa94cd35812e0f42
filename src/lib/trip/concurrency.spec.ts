// Regression tests for edits lost under concurrency (issue 8, cases 1–3, 10, 11 and identical values).
import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { getConflicts } from './conflicts';
import { personIdForUser, type IsoDate, type ItemId, type PersonId, type UserId } from './ids';
import { migrate } from './migrations';
import { togglePacked } from './ops/items';
import { createTrip, setDates } from './ops/meta';
import { addMember, addPerson, colourForId, renamePerson } from './ops/people';
import { addActivity, setPlanText } from './ops/plan';
import { overrideQuantity } from './ops/rules';
import type { TripDoc } from './schema';
import { actor, ALICE, BOB, fork, smallTrip, TOOTHPASTE } from './spec-helpers';
import { readTrip } from './validate';

const day = (s: string) => s as IsoDate;

/** A document from before the genesis: some containers, not all, made by its own first change. */
function preGenesis(): A.Doc<TripDoc> {
	return A.from<Record<string, unknown>>(
		{
			schemaVersion: 0,
			meta: { name: 'Old trip' },
			categories: { clothes: { name: 'Clothes' } },
			items: { socks: { name: 'Socks', categoryId: 'clothes', owner: 'shared', quantity: 1, packed: {} } },
		},
		{ actor: actor(1) },
	) as unknown as A.Doc<TripDoc>;
}

describe('concurrent edits that used to lose data', () => {
	it('1. keeps both peers’ people and the override when two peers migrate an old document at once', () => {
		const old = preGenesis();
		let a = migrate(fork(old, 2));
		a = addPerson(a, { id: 'ana' as PersonId, name: 'Ana' }, { by: 'ana' as PersonId });
		a = overrideQuantity(a, { itemId: 'socks' as ItemId, quantity: 5 }, { by: 'ana' as PersonId });
		let b = migrate(fork(old, 3));
		b = addPerson(b, { id: 'ben' as PersonId, name: 'Ben' }, { by: 'ben' as PersonId });
		for (const merged of [A.merge(A.clone(a), b), A.merge(A.clone(b), a)]) {
			const view = readTrip(merged);
			expect(view.people.map((p) => p.name)).toEqual(['Ana', 'Ben']);
			expect(view.items.socks?.quantity.effective).toBe(5);
			// Both people can still be edited, whichever of the two `people` maps holds them.
			let next = renamePerson(merged, { personId: 'ana' as PersonId, name: 'Anna' });
			next = renamePerson(next, { personId: 'ben' as PersonId, name: 'Benny' });
			expect(readTrip(next).people.map((p) => p.name)).toEqual(['Anna', 'Benny']);
			expect(getConflicts(merged)).toEqual([]);
		}
	});

	it('2. keeps both first edits of a day when two peers set the same dates at once', () => {
		const base = createTrip({ name: 'Rome' }, { actor: actor(1) });
		const dates = { startDate: day('2025-05-01'), endDate: day('2025-05-03') };
		const a = setPlanText(setDates(fork(base, 2), dates, { by: ALICE }), { date: day('2025-05-01'), text: 'Museum' });
		const b = setPlanText(setDates(fork(base, 3), dates, { by: BOB }), { date: day('2025-05-01'), text: 'Beach' });
		const merged = A.merge(a, b);
		const first = readTrip(merged).plan[0];
		expect(first?.date).toBe('2025-05-01');
		expect(first?.text.split('\n').sort()).toEqual(['Beach', 'Museum']);
		expect(readTrip(merged).days).toBe(3);
		// The same dates twice are no conflict to show, and the day's text can simply be edited.
		expect(getConflicts(merged)).toEqual([]);
		const edited = setPlanText(merged, { date: day('2025-05-01'), text: 'Museum, then beach' });
		expect(readTrip(edited).plan[0]?.text).toBe('Museum, then beach');
	});

	it('3. keeps both activities two peers add to the same day outside the range', () => {
		const base = smallTrip();
		const a = addActivity(fork(base, 2), { date: day('2025-12-24'), text: 'Flight' });
		const b = addActivity(fork(base, 3), { date: day('2025-12-24'), text: 'Hotel' });
		const out = readTrip(A.merge(a, b)).plan.find((p) => p.date === '2025-12-24');
		expect(out?.inRange).toBe(false);
		expect(out?.activities.map((x) => x.text).sort()).toEqual(['Flight', 'Hotel']);
	});

	it('10. gives people added at once on two devices the colours of their ids, not of a count', () => {
		const base = smallTrip();
		const ids = ['carol', 'dave', 'erin', 'frank'].filter(
			(id, i, all) => all.findIndex((o) => colourForId(o) === colourForId(id)) === i,
		);
		expect(ids.length).toBeGreaterThan(1);
		const [x, y] = ids as [PersonId, PersonId];
		const merged = A.merge(
			addPerson(fork(base, 2), { id: x, name: 'X' }),
			addPerson(fork(base, 3), { id: y, name: 'Y' }),
		);
		const view = readTrip(merged);
		expect(view.peopleById[x]?.colour).toBe(colourForId(x));
		expect(view.peopleById[y]?.colour).toBe(colourForId(y));
		expect(view.peopleById[x]?.colour).not.toBe(view.peopleById[y]?.colour);
	});

	it('11. makes one person of a member who joins from two devices at once', () => {
		const user = 'A5E13CDF-D885-4D46-A44F-82EE72240112' as UserId;
		const lower = user.toLowerCase() as UserId;
		expect(personIdForUser(user)).toBe(personIdForUser(lower));
		expect(personIdForUser(lower)).toMatch(/^[0-9A-Za-z]{22}$/);
		expect(personIdForUser(lower)).not.toBe(personIdForUser('a5e13cdf-d885-4d46-a44f-82ee72240113'));
		const base = smallTrip();
		const phone = addMember(fork(base, 2), { userId: lower, name: 'Chris' });
		const laptop = addMember(fork(base, 3), { userId: lower, name: 'Chris' });
		const merged = A.merge(phone, laptop);
		const members = readTrip(merged).people.filter((p) => p.userId === lower);
		expect(members.map((p) => p.id)).toEqual([personIdForUser(lower)]);
		expect(getConflicts(merged)).toEqual([]);
		// Joining again is a no-op.
		expect(A.getHeads(addMember(merged, { userId: lower, name: 'Chris' }))).toEqual(A.getHeads(merged));
	});

	it('does not show identical concurrent values as a conflict', () => {
		const base = smallTrip();
		const a = togglePacked(fork(base, 2), { itemId: TOOTHPASTE, personId: ALICE, packed: true }, { by: ALICE });
		const b = togglePacked(fork(base, 3), { itemId: TOOTHPASTE, personId: ALICE, packed: true }, { by: BOB });
		expect(getConflicts(A.merge(A.clone(a), b))).toEqual([]);
		const c = togglePacked(fork(base, 4), { itemId: TOOTHPASTE, personId: ALICE, packed: false }, { by: BOB });
		const mixed = getConflicts(A.merge(A.merge(A.clone(a), b), c));
		expect(mixed.map((x) => x.path.join('/'))).toEqual([`items/${TOOTHPASTE}/packed/${ALICE}`]);
	});
});
