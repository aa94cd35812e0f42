// Applying untrusted change sets to a document: as one batch (Automerge parses every change before
// it touches the document, so a failed batch leaves the document as it was), and on failure by
// bisection, so one change Automerge cannot parse is set aside while all the others are applied.
// One-at-a-time application costs ~30× a batch for thousands of changes.
import * as A from '@automerge/automerge';

export interface Rejected {
	index: number;
	reason: string;
}

export interface BatchResult<T> {
	doc: A.Doc<T>;
	/** Indexes (into the input) of the changes Automerge refused; everything else is applied. */
	rejected: Rejected[];
}

export function applyWithBisection<T>(doc: A.Doc<T>, changes: readonly Uint8Array[]): BatchResult<T> {
	const rejected: Rejected[] = [];
	let current = doc;
	const attempt = (from: number, to: number) => {
		if (from >= to) return;
		try {
			[current] = A.applyChanges(current, changes.slice(from, to) as Uint8Array[]);
			return;
		} catch (e) {
			if (to - from === 1) {
				rejected.push({ index: from, reason: e instanceof Error ? e.message : String(e) });
				return;
			}
		}
		const mid = from + Math.ceil((to - from) / 2);
		attempt(from, mid);
		attempt(mid, to);
	};
	attempt(0, changes.length);
	return { doc: current, rejected };
}
