/** The same edits for both engines: change sets of one writer on top of the genesis. */
import * as A from '@automerge/automerge';
import { newTripDoc } from '../../src/lib/trip/genesis.ts';
import type { TripDoc } from '../../src/lib/trip/schema.ts';

/** `n` change sets, one item write each, cycling over `items` distinct items. */
export function remoteEdits(
	n: number,
	items = n,
	from?: A.Doc<TripDoc>,
): { doc: A.Doc<TripDoc>; changes: Uint8Array[] } {
	let doc = from ?? newTripDoc();
	const start = A.getHeads(doc);
	for (let i = 0; i < n; i++) {
		doc = A.change(doc, (d) => {
			const id = `item${i % items}`;
			const existing = d.items[id];
			if (existing) existing.quantity = i;
			else
				d.items[id] = {
					name: `Item ${i}`,
					categoryId: 'uncategorized:',
					owner: 'shared',
					quantity: 1,
					notes: '',
					packed: {},
					createdAt: 0,
				} as never;
		});
	}
	return { doc, changes: A.getChangesSince(doc, start) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setImmediate(r));
	}
}
