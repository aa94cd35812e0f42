/**
 * Seeded randomized soak: 200 scenarios of 3–4 clients (some of them two tabs of one user) making
 * random edits through partitions, restarts and duplicate deliveries (a rewound cursor re-pulls
 * changes already merged). Each scenario must end with identical documents everywhere, every
 * edit made present in them, and every change in the server log. A failure names its seed.
 */
import * as A from '@automerge/automerge';
import { afterAll, expect, test } from 'vitest';
import { startTestStack } from '../helpers/stack.ts';
import {
	addMember,
	docOf,
	expectConverged,
	signIn,
	startDevice,
	stopAllDevices,
	stopDevice,
	type Device,
	type Person,
} from './harness.ts';
import { pick, seededRandom } from './random.ts';

const api = await startTestStack();
afterAll(stopAllDevices);

type Trip = { meta: { name: string }; items: Record<string, { name: string; n?: number }>; notes: string };

const SCENARIOS = Number(process.env.SOAK_SCENARIOS ?? 200);
const FIRST_SEED = Number(process.env.SOAK_FIRST_SEED ?? 1000);
/** Where a scenario is, so a hang names its seed and step. */
let where = '';
const PER_TEST = Math.min(20, SCENARIOS);
const people: Person[] = [];
const pool: Device[] = [];

async function devices(random: () => number): Promise<Device[]> {
	if (people.length === 0) people.push(...(await Promise.all([0, 1, 2, 3].map(() => signIn(api)))));
	if (pool.length === 0) {
		for (const [i, p] of people.entries()) pool.push(await startDevice(p, { scope: `soak${i}:` }));
		// Person 0 also has a second tab, sharing its IndexedDB and BroadcastChannel.
		pool.push(await startDevice(people[0]!, { scope: 'soak0:' }));
	}
	const n = random() < 0.5 ? 3 : 4;
	const chosen = new Set<number>([0]);
	while (chosen.size < n) chosen.add(Math.floor(random() * pool.length));
	return [...chosen].map((i) => pool[i]!);
}

async function restart(d: Device): Promise<Device> {
	const i = pool.indexOf(d);
	await stopDevice(d);
	const again = await startDevice(d.person, { scope: d.scope });
	pool[i] = again;
	return again;
}

async function scenario(seed: number): Promise<void> {
	const random = seededRandom(seed);
	let devs = await devices(random);
	for (const d of pool) {
		d.sync.setOnline(true);
		d.net.up = true;
	}
	const creator = devs[0]!;
	const tripId = await creator.sync.createTrip<Trip>({ init: (d) => void (d.meta.name = `Soak ${seed}`) });
	await creator.sync.whenIdle();
	const members = new Set([creator.person.id]);
	for (const d of devs.slice(1)) {
		if (!members.has(d.person.id)) await addMember(api, tripId, d.person, 'editor');
		members.add(d.person.id);
		await d.sync.open(tripId);
	}
	await Promise.all(devs.map((d) => d.sync.whenIdle()));
	const made: string[] = [];
	const steps = 6 + Math.floor(random() * 8);
	for (let s = 0; s < steps; s++) {
		const r = random();
		const d = pick(devs, random);
		where = `seed ${seed} step ${s} (${r.toFixed(2)}) on ${d.scope}`;
		if (r < 0.6) {
			const key = `s${seed}-${s}`;
			made.push(key);
			await d.sync.change<Trip>(tripId, (doc) => {
				doc.items[key] = { name: `edit ${s}`, n: s };
				if (random() < 0.3) A.splice(doc, ['notes'], 0, 0, `${s} `);
			});
		} else if (r < 0.8) {
			// Either the device knows it is offline, or the network fails under it (fetch errors, backoff).
			if (random() < 0.5) d.sync.setOnline(random() < 0.5);
			else d.net.up = random() < 0.5;
		} else if (r < 0.9) {
			// Duplicate delivery: the device forgets how far it pulled and receives everything again.
			// (whenIdle waits out retries, which never end while this device's network is down.)
			if (d.net.up) await d.sync.whenIdle();
			await d.sync.store.updateTrip(tripId, { cursor: 0, cursorHash: null });
			d.sync.notify('duplicate');
		} else {
			const i = devs.indexOf(d);
			const again = await restart(d);
			again.sync.setOnline(random() < 0.7);
			await again.sync.open(tripId);
			devs = devs.map((x, k) => (k === i ? again : x));
		}
	}
	for (const d of devs) {
		d.sync.setOnline(true);
		d.net.up = true;
	}
	where = `seed ${seed}: converging`;
	const doc = (await expectConverged(api, tripId, devs, 30_000)) as unknown as Trip;
	expect(Object.keys(doc.items).sort(), `seed ${seed}: every edit made`).toEqual([...made].sort());
	for (const d of devs) await d.sync.close(tripId);
	// Other open devices of this scenario were replaced by restarts: make sure none keeps the trip open.
	for (const d of pool) if (!devs.includes(d)) await d.sync.close(tripId);
	void docOf;
}

for (let block = 0; block < SCENARIOS / PER_TEST; block++) {
	test(`soak scenarios ${block * PER_TEST + 1}–${(block + 1) * PER_TEST}`, { timeout: 240_000 }, async () => {
		const watchdog = setInterval(() => console.log(`soak still at ${where}`), 20_000);
		try {
			for (let i = 0; i < PER_TEST; i++) await scenario(FIRST_SEED + block * PER_TEST + i);
		} finally {
			clearInterval(watchdog);
		}
	});
}
