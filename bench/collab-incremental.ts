// The `collab` suite's document half: how long a remote change on a 1,000-item trip takes to
// update conflicts and "what changed" incrementally (ConflictIndex, ChangedSince), beside the
// full scans they replace. Pure: no stack.
import * as A from '@automerge/automerge';
import type { CategoryId, ItemId, PersonId } from '../src/lib/trip/ids';
import { addCategory } from '../src/lib/trip/ops/categories';
import { addItem, renameItem, setQuantity, togglePacked } from '../src/lib/trip/ops/items';
import { createTrip } from '../src/lib/trip/ops/meta';
import { addPerson } from '../src/lib/trip/ops/people';
import type { TripDoc } from '../src/lib/trip/schema';
import { ChangedSince } from '../src/lib/trip/changed-since';
import { ConflictIndex } from '../src/lib/trip/conflict-index';
import { getConflicts } from '../src/lib/trip/conflicts';
import { itemsChangedSince } from '../src/lib/trip/history';
import { summarize } from './lib.ts';

const ITEMS = 1_000;
const REMOTE_CHANGES = 60;
const people = ['p0', 'p1'] as PersonId[];
const itemId = (i: number) => `item${i}` as ItemId;

function bigTrip(): A.Doc<TripDoc> {
	const ctx = { by: people[0] };
	let doc = createTrip({ name: 'Bench trip' }, ctx);
	doc = A.change(doc, (d) => {
		people.forEach((id, i) => addPerson.recipe({ id, name: `Person ${i}` }, ctx)(d));
		for (let c = 0; c < 10; c++) addCategory.recipe({ id: `cat${c}` as CategoryId, name: `Category ${c}` }, ctx)(d);
		for (let i = 0; i < ITEMS; i++)
			addItem.recipe({ id: itemId(i), name: `Item ${i}`, categoryId: `cat${i % 10}` as CategoryId }, ctx)(d);
	});
	return doc;
}

export interface IncrementalFigures {
	remote_change_update_p50_ms: number;
	remote_change_update_p95_ms: number;
	conflicts_full_scan_ms: number;
	changed_full_scan_ms: number;
}

/**
 * Two replicas edit the same items concurrently (so conflicts come and go); each remote change is
 * merged into ours and timed from its patches to an updated conflict list and changed list.
 */
export function incrementalFigures(): IncrementalFigures {
	const base = bigTrip();
	let ours = A.clone(base, { actor: '0a'.repeat(16) });
	let theirs = A.clone(base, { actor: '0b'.repeat(16) });
	const seen = A.getHeads(ours);
	const conflicts = new ConflictIndex(ours);
	const changed = ChangedSince.open(ours, seen)!;
	const samples: number[] = [];
	for (let i = 0; i < REMOTE_CHANGES; i++) {
		const id = itemId((i * 37) % ITEMS);
		ours = setQuantity(ours, { itemId: id, quantity: 2 + (i % 5) }, { by: people[0] });
		theirs = [
			(d: A.Doc<TripDoc>) => setQuantity(d, { itemId: id, quantity: 9 }, { by: people[1] }),
			(d: A.Doc<TripDoc>) => togglePacked(d, { itemId: id, personId: people[1] }, { by: people[1] }),
			(d: A.Doc<TripDoc>) => renameItem(d, { itemId: id, name: `Renamed ${i}` }, { by: people[1] }),
		][i % 3]!(theirs);
		const before = A.getHeads(ours);
		const incoming = A.getChanges(ours, theirs);
		const patches: A.Patch[] = [];
		[ours] = A.applyChanges(ours, incoming, { patchCallback: (p) => patches.push(...p) });
		const start = performance.now();
		conflicts.update(ours, patches);
		conflicts.list();
		changed.update(ours, before, patches);
		changed.list(ours);
		samples.push(performance.now() - start);
		// Theirs catches up now and then, so their next edit supersedes ours: conflicts also go.
		if (i % 4 === 3) theirs = A.merge(theirs, ours);
	}
	let t = performance.now();
	getConflicts(ours);
	const conflictsFull = performance.now() - t;
	t = performance.now();
	itemsChangedSince(ours, seen);
	const changedFull = performance.now() - t;
	if (process.env.COLLAB_DEBUG) console.log(samples.map((x) => x.toFixed(1)).join(' '));
	const s = summarize(samples.slice(5)); // the first few warm the wasm up
	return {
		remote_change_update_p50_ms: s.p50,
		remote_change_update_p95_ms: s.p95,
		conflicts_full_scan_ms: conflictsFull,
		changed_full_scan_ms: changedFull,
	};
}
