// The pull contract (issue 10): "pull from the cursor page by page until an empty page". A short
// page is not the log's end (the server caps pages by bytes too), and a push whose seqs followed
// the cursor does not prove nothing was written after it (its hint may be lost).
import { afterAll, expect, test } from 'vitest';
import { supabaseTripServer, type TripServer } from '../../src/lib/sync/index.ts';
import { startTestStack } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	expectConverged,
	hashesOf,
	serverHashes,
	signIn,
	startDevice,
	stopAllDevices,
	type Person,
} from './harness.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string }> };

/** The real server, with every pull page cut to `pageRows` rows and every pull's size recorded. */
async function shortPages(person: Person, pageRows: number, pulls: number[]): Promise<TripServer> {
	const real = supabaseTripServer(await person.anotherClient());
	return {
		...real,
		async pull(tripId, afterSeq, limit) {
			const rows = await real.pull(tripId, afterSeq, Math.min(limit ?? pageRows, pageRows));
			pulls.push(rows.length);
			return rows;
		},
	};
}

async function tripWith(person: Person, edits: number) {
	const a = await startDevice(person);
	const tripId = await a.sync.createTrip<Trip>({
		init: (d) => {
			d.meta.name = 'Pages';
			d.items = {};
		},
	});
	for (let i = 0; i < edits; i++)
		await a.sync.change<Trip>(tripId, (d) => {
			d.items[`i${i}`] = { name: `item ${i}` };
		});
	await a.sync.whenIdle();
	return { a, tripId };
}

test('a catch-up whose pages come back short pulls on until an empty page, in one cycle', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const { a, tripId } = await tripWith(ana, 30);
	await addMember(api, tripId, ben, 'editor');
	const pulls: number[] = [];
	const b = await startDevice(ben, { server: await shortPages(ben, 7, pulls) });
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	// No "sync now", no hint: the opening cycle alone fetched every page, ending with an empty one.
	const server = await serverHashes(api, tripId);
	expect(new Set(hashesOf(docOf(b, tripId)))).toEqual(server);
	expect(pulls.at(-1)).toBe(0);
	expect(pulls.filter((n) => n > 0).length).toBe(Math.ceil(server.size / 7));
	await expectConverged(api, tripId, [a, b]);
});

test('a write landing right after our push, its hint lost, is pulled in the same cycle', async () => {
	const [ana, ben] = await Promise.all([signIn(api), signIn(api)]);
	const { a, tripId } = await tripWith(ana, 1);
	await addMember(api, tripId, ben, 'editor');
	const real = supabaseTripServer(await ben.anotherClient());
	let interleave = false;
	const b = await startDevice(ben, {
		server: {
			...real,
			async push(id, changes) {
				const rows = await real.push(id, changes);
				if (interleave) {
					// Ana writes after Ben's push committed and before Ben's cycle goes on.
					interleave = false;
					await a.sync.change<Trip>(tripId, (d) => {
						d.items.late = { name: 'written right after ben' };
					});
					await a.sync.whenIdle();
				}
				return rows;
			},
			// Change hints never reach Ben: only the cycle's own pull can bring Ana's write.
			hints: (id, onHint) => real.hints(id, (h) => (h.kind === 'changes' ? undefined : onHint(h))),
		},
	});
	await b.sync.open(tripId);
	await b.sync.whenIdle();
	interleave = true;
	await b.sync.change<Trip>(tripId, (d) => {
		d.items.ben = { name: 'from ben' };
	});
	await b.sync.whenIdle();
	expect(interleave).toBe(false);
	// The cycle that pushed Ben's edit is the one that brought Ana's (no later trigger did).
	const run = b.sync.history().find((r) => r.trigger === 'edit')!;
	expect([run.pushed, run.pulled]).toEqual([1, 1]);
	expect((docOf(b, tripId) as unknown as Trip).items.late?.name).toBe('written right after ben');
	await expectConverged(api, tripId, [a, b]);
});
