// The trip document as the sync cycle needs it, over an automerge-repo DocHandle: read own
// changes, apply pulled ones as a batch (bisecting on failure), merge a snapshot, store durably.
// The cycle sees only this interface, so it stays testable and independent of the Repo.
import * as A from '@automerge/automerge';
import type { DocHandle, Repo } from '@automerge/automerge-repo';
import { applyWithBisection, type Rejected } from './apply';
import { sameHeads } from './plan';
import type { OutboxEntry } from './store';

export interface LocalDoc {
	heads(): string[];
	/** Applies pulled change sets; returns those Automerge refused (indexes into `changes`). */
	applyBatch(changes: Uint8Array[]): Rejected[];
	/** Loads a snapshot and merges it in only if its heads equal `heads`; false otherwise. */
	mergeSnapshot(data: Uint8Array, heads: readonly string[]): boolean;
	/** A change of this document by hash, with its metadata (null: not here). */
	change(hash: string): OutboxEntry | null;
	/** Dependencies referenced by changes in the document but missing from it. */
	missingDeps(): string[];
	save(): Uint8Array;
	/** Writes the document to the Repo's storage and waits for it (before any cursor moves). */
	persist(): Promise<void>;
}

export function handleDoc<T>(repo: Repo, handle: DocHandle<T>): LocalDoc {
	return {
		heads: () => A.getHeads(handle.doc()),
		applyBatch(changes) {
			let rejected: Rejected[] = [];
			if (changes.length === 0) return rejected;
			handle.update((doc) => {
				const result = applyWithBisection(doc, changes);
				rejected = result.rejected;
				return result.doc;
			});
			return rejected;
		},
		mergeSnapshot(data, heads) {
			let snapshot: A.Doc<T>;
			try {
				snapshot = A.load<T>(data);
			} catch {
				return false;
			}
			const ok = sameHeads(A.getHeads(snapshot), heads);
			A.free(snapshot);
			if (ok) handle.update((doc) => A.loadIncremental(doc, data));
			return ok;
		},
		change: (hash) => changeOf(handle.doc(), hash),
		missingDeps: () => A.getMissingDeps(handle.doc(), []),
		save: () => A.save(handle.doc()),
		persist: () => repo.flush([handle.documentId]),
	};
}

export function changeOf(doc: A.Doc<unknown>, hash: string): OutboxEntry | null {
	const backend = A.getBackend(doc);
	const meta = backend.getChangeMetaByHash(hash);
	const bytes = meta ? backend.getChangeByHash(hash) : null;
	if (!meta || !bytes) return null;
	return { hash, actor: meta.actor, seq: meta.seq, deps: [...meta.deps], bytes };
}

/**
 * The change sets after `heads` that this device may push: its own actors' and, for a trip it
 * created, the genesis change (as actor null). Foreign changes, however they arrived, never are.
 */
export function pushableSince(
	doc: A.Doc<unknown>,
	heads: readonly string[],
	ownActors: ReadonlySet<string>,
	genesisHash: string | null,
): OutboxEntry[] {
	const backend = A.getBackend(doc);
	const out: OutboxEntry[] = [];
	for (const meta of A.getChangesMetaSince(doc, heads as string[])) {
		const isGenesis = genesisHash !== null && meta.hash === genesisHash;
		if (!isGenesis && !ownActors.has(meta.actor)) continue;
		const bytes = backend.getChangeByHash(meta.hash);
		if (!bytes) continue;
		out.push({ hash: meta.hash, actor: isGenesis ? null : meta.actor, seq: meta.seq, deps: [...meta.deps], bytes });
	}
	return out;
}
