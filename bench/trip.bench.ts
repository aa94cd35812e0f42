// Trip document benchmark: operation latency, view latency, save/load, and opening a trip with a
// long history. Run: node --import tsx bench/trip.bench.ts  (or import and call run()).
import * as A from '@automerge/automerge';
import { recordSuite, percentile as sortedPercentile } from './lib.ts';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CategoryId, IsoDate, ItemId, PersonId } from '../src/lib/trip/ids';
import { addCategory } from '../src/lib/trip/ops/categories';
import { addItem, moveItem, renameItem, setItemNotes, setQuantity, togglePacked } from '../src/lib/trip/ops/items';
import { createTrip, editNotes } from '../src/lib/trip/ops/meta';
import { addPerson } from '../src/lib/trip/ops/people';
import { addRule, overrideQuantity } from '../src/lib/trip/ops/rules';
import type { TripDoc } from '../src/lib/trip/schema';
import { readTrip } from '../src/lib/trip/validate';
import { getConflicts } from '../src/lib/trip/conflicts';
import { itemsChangedSince } from '../src/lib/trip/history';

const ITEMS = 1_000;
const CATEGORIES = 10;
const OPS = 200;
const HISTORY = 20_000;
const TARGET_OP_P95_MS = 8;
const TARGET_LOAD_MS = 200;

const people = ['p0', 'p1', 'p2', 'p3'] as PersonId[];
const categoryId = (i: number) => `cat${i}` as CategoryId;
const itemId = (i: number) => `item${i}` as ItemId;

function percentile(samples: number[], p: number): number {
	return sortedPercentile(
		[...samples].sort((a, b) => a - b),
		p,
	);
}

function time<T>(fn: () => T): [T, number] {
	const start = performance.now();
	const out = fn();
	return [out, performance.now() - start];
}

/** A 1,000-item trip built in a handful of changes (setup cost is not what we measure). */
function bigTrip(): A.Doc<TripDoc> {
	const ctx = { by: people[0] };
	let doc = createTrip(
		{
			name: 'Bench trip',
			startDate: '2025-07-01' as IsoDate,
			endDate: '2025-07-14' as IsoDate,
		},
		ctx,
	);
	doc = A.change(doc, (d) => {
		people.forEach((id, i) => addPerson.recipe({ id, name: `Person ${i}` }, ctx)(d));
		for (let c = 0; c < CATEGORIES; c++) addCategory.recipe({ id: categoryId(c), name: `Category ${c}` }, ctx)(d);
	});
	doc = A.change(doc, (d) => {
		for (let i = 0; i < ITEMS; i++) {
			const owner = i % 3 === 0 ? 'shared' : people[i % people.length]!;
			addItem.recipe(
				{
					id: itemId(i),
					name: `Item number ${i}`,
					categoryId: categoryId(i % CATEGORIES),
					owner,
					quantity: 1 + (i % 4),
				},
				ctx,
			)(d);
			if (i % 10 === 0) addRule.recipe({ itemId: itemId(i), kind: 'perPersonPerDay', amount: 1 }, ctx)(d);
		}
	});
	return doc;
}

type Op = (doc: A.Doc<TripDoc>, i: number) => A.Doc<TripDoc>;
const by = { by: people[1] };
const OP_KINDS: [string, Op][] = [
	['togglePacked', (doc, i) => togglePacked(doc, { itemId: itemId(i % ITEMS), personId: people[i % 4] }, by)],
	['setQuantity', (doc, i) => setQuantity(doc, { itemId: itemId((i * 7) % ITEMS), quantity: 1 + (i % 9) }, by)],
	['renameItem', (doc, i) => renameItem(doc, { itemId: itemId((i * 13) % ITEMS), name: `Renamed item ${i}` }, by)],
	['setItemNotes', (doc, i) => setItemNotes(doc, { itemId: itemId((i * 17) % ITEMS), notes: `note ${i}` }, by)],
	[
		'moveItem',
		(doc, i) =>
			moveItem(
				doc,
				{
					itemId: itemId((i * 19) % ITEMS),
					toCategoryId: categoryId((i + 3) % CATEGORIES),
				},
				by,
			),
	],
	['overrideQuantity', (doc, i) => overrideQuantity(doc, { itemId: itemId((i * 23) % ITEMS), quantity: i % 5 }, by)],
	[
		'addItem',
		(doc, i) =>
			addItem(
				doc,
				{
					id: `new${i}` as ItemId,
					name: `New ${i}`,
					categoryId: categoryId(i % CATEGORIES),
				},
				by,
			),
	],
	['editNotes', (doc, i) => editNotes(doc, { index: 0, deleteCount: 0, insert: `x${i}` }, by)],
];

interface Row {
	metric: string;
	value: string;
	target?: string;
	met?: boolean;
}

export async function run(): Promise<void> {
	const rows: Row[] = [];
	const values: Record<string, number> = {};
	const [base, buildMs] = time(bigTrip);
	values.build_1k_items_ms = buildMs;
	rows.push({
		metric: `build ${ITEMS}-item trip (setup)`,
		value: `${buildMs.toFixed(0)} ms`,
	});

	// Warm-up so JIT and wasm allocation do not count against the first samples.
	let doc = A.clone(base);
	for (let i = 0; i < 20; i++) doc = OP_KINDS[i % OP_KINDS.length]![1](doc, i);

	const latencies: number[] = [];
	const sizes = new Map<string, number[]>();
	for (let i = 0; i < OPS; i++) {
		const [name, op] = OP_KINDS[i % OP_KINDS.length]!;
		const [next, ms] = time(() => op(doc, 1_000 + i));
		doc = next;
		latencies.push(ms);
		const change = A.getLastLocalChange(doc);
		sizes.set(name, [...(sizes.get(name) ?? []), change?.length ?? 0]);
	}
	const p95 = percentile(latencies, 95);
	values.op_1k_items_p50_ms = percentile(latencies, 50);
	values.op_1k_items_p95_ms = p95;
	rows.push({
		metric: `one operation, ${ITEMS} items (p50)`,
		value: `${percentile(latencies, 50).toFixed(2)} ms`,
	});
	rows.push({
		metric: `one operation, ${ITEMS} items (p95)`,
		value: `${p95.toFixed(2)} ms`,
		target: `≤ ${TARGET_OP_P95_MS} ms`,
		met: p95 <= TARGET_OP_P95_MS,
	});

	const views: number[] = [];
	for (let i = 0; i < 30; i++) views.push(time(() => readTrip(doc))[1]);
	values.read_trip_1k_items_p50_ms = percentile(views, 50);
	values.read_trip_1k_items_p95_ms = percentile(views, 95);
	rows.push({
		metric: `readTrip view, ${ITEMS} items (p50/p95)`,
		value: `${percentile(views, 50).toFixed(1)} / ${percentile(views, 95).toFixed(1)} ms`,
	});

	const [, conflictsMs] = time(() => getConflicts(doc));
	values.get_conflicts_1k_items_ms = conflictsMs;
	rows.push({ metric: `getConflicts, ${ITEMS} items`, value: `${conflictsMs.toFixed(1)} ms` });
	const [changedOrNull, changedMs] = time(() => itemsChangedSince(doc, A.getHeads(base)));
	const changed = changedOrNull ?? [];
	values.items_changed_since_ms = changedMs;
	rows.push({
		metric: `itemsChangedSince (${OPS} changes, ${changed.length} items)`,
		value: `${changedMs.toFixed(1)} ms`,
	});

	const sizeSummary = [...sizes].map(([name, s]) => `${name} ${percentile(s, 50)}`).join(', ');
	const allSizes = [...sizes.values()].flat();
	values.change_median_bytes = percentile(allSizes, 50);
	rows.push({
		metric: 'bytes per change (median, all kinds)',
		value: `${percentile(allSizes, 50)} B`,
	});
	rows.push({ metric: 'bytes per change by kind', value: sizeSummary });

	const [saved, saveMs] = time(() => A.save(doc));
	const smallLoads = Array.from({ length: 5 }, () => time(() => A.load<TripDoc>(saved))[1]);
	values.save_1k_items_ms = saveMs;
	values.save_1k_items_bytes = saved.length;
	values.load_1k_items_p50_ms = percentile(smallLoads, 50);
	rows.push({
		metric: `save() ${ITEMS} items`,
		value: `${saveMs.toFixed(1)} ms, ${(saved.length / 1024).toFixed(1)} KiB`,
	});
	rows.push({
		metric: `load() ${ITEMS} items (median of 5)`,
		value: `${percentile(smallLoads, 50).toFixed(1)} ms`,
	});

	// A trip with a long history: 20,000 single-field edits on the 1,000-item trip. Written with raw
	// A.change to keep setup time down; each is still one change, as a user edit would be.
	const [history, historyMs] = time(() => {
		let h = A.clone(base);
		for (let i = 0; i < HISTORY; i++) {
			h = A.change(h, (d) => {
				const it = d.items[itemId((i * 31) % ITEMS)]!;
				if (i % 2) it.quantity = i % 7;
				else it.packed[people[i % 4]!] = i % 3 === 0;
			});
		}
		return h;
	});
	const compacted = A.save(history);
	const loads: number[] = [];
	const opens: number[] = [];
	for (let i = 0; i < 5; i++) {
		const [loaded, ms] = time(() => A.load<TripDoc>(compacted));
		loads.push(ms);
		opens.push(ms + time(() => readTrip(loaded))[1]);
	}
	const loadMedian = percentile(loads, 50);
	values.saved_1k_items_20k_changes_bytes = compacted.length;
	values.load_1k_items_20k_changes_p50_ms = loadMedian;
	values.load_and_read_1k_items_20k_changes_p50_ms = percentile(opens, 50);
	rows.push({
		metric: `build ${HISTORY} changes of history (setup)`,
		value: `${(historyMs / 1000).toFixed(1)} s`,
	});
	rows.push({
		metric: `saved size, ${ITEMS} items + ${HISTORY} changes`,
		value: `${(compacted.length / 1024).toFixed(1)} KiB`,
	});
	rows.push({
		metric: `load(), ${ITEMS} items + ${HISTORY} changes (median of 5)`,
		value: `${loadMedian.toFixed(1)} ms`,
		target: `≤ ${TARGET_LOAD_MS} ms`,
		met: loadMedian <= TARGET_LOAD_MS,
	});
	rows.push({
		metric: 'load() + first readTrip (median of 5)',
		value: `${percentile(opens, 50).toFixed(1)} ms`,
	});

	print(rows);
	await recordSuite('trip', values);
}

function print(rows: Row[]): void {
	const w = Math.max(...rows.map((r) => r.metric.length));
	const v = Math.max(...rows.map((r) => r.value.length));
	const pkg = new URL('../node_modules/@automerge/automerge/package.json', import.meta.url);
	const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
	console.log(`\nTrip document benchmark (Automerge ${version}, Node ${process.version})`);
	for (const r of rows) {
		const verdict = r.target ? `${r.target.padEnd(10)} ${r.met ? 'MET' : 'MISSED'}` : '';
		console.log(`${r.metric.padEnd(w)}  ${r.value.padStart(Math.min(v, 14))}  ${verdict}`);
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	run().catch((e: unknown) => {
		console.error(e);
		process.exitCode = 1;
	});
}
