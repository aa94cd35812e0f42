/**
 * Live editing by many clients at once, the same for both engines: every client edits at `rate`
 * edits/s for `seconds`; each edit's latency is from the edit to its arrival on every other client.
 */
import type { DocHandle } from '@automerge/automerge-repo';
import type { TripDoc } from '../../src/lib/trip/schema.ts';
import { sleep } from './fixtures.ts';

export interface LiveClient {
	handle: DocHandle<TripDoc>;
	edit(key: string): unknown;
}

export async function liveEdits(clients: LiveClient[], rate: number, seconds: number): Promise<number[]> {
	const samples: number[] = [];
	const sent = new Map<string, number>();
	const pending = clients.map(() => new Set<string>());
	const check = (i: number) => {
		const items = (clients[i]!.handle.doc() as TripDoc | undefined)?.items ?? {};
		for (const key of pending[i]!)
			if (items[key as never]) {
				pending[i]!.delete(key);
				samples.push(performance.now() - sent.get(key)!);
			}
	};
	const listeners = clients.map((c, i) => {
		const on = () => check(i);
		c.handle.on('change', on);
		return on;
	});
	const period = 1000 / rate;
	const edits = Math.round(rate * seconds);
	await Promise.all(
		clients.map(async (c, ci) => {
			// Staggered so the clients don't all edit in the same tick.
			await sleep((period * ci) / clients.length);
			for (let e = 0; e < edits; e++) {
				const started = performance.now();
				const key = `c${ci}e${e}`;
				sent.set(key, started);
				pending.forEach((p, i) => i !== ci && p.add(key));
				await c.edit(key);
				await sleep(Math.max(0, period - (performance.now() - started)));
			}
		}),
	);
	const deadline = Date.now() + 60_000;
	while (pending.some((p) => p.size > 0)) {
		if (Date.now() > deadline) throw new Error('live edits: some edits never arrived');
		clients.forEach((_, i) => check(i));
		await sleep(20);
	}
	clients.forEach((c, i) => c.handle.off('change', listeners[i]!));
	return samples;
}
