// How a trip's automerge-repo handle is made when a replica opens: from the Repo's own storage,
// with a fast path for a document stored as exactly one snapshot.
import * as A from '@automerge/automerge';
import type { DocHandle, DocumentId, Repo } from '@automerge/automerge-repo';
import type { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';

const EMPTY_DOC = A.save(A.init());

/**
 * The document from its stored chunks when they are exactly one snapshot; null otherwise
 * (incremental chunks, or bytes Automerge refuses: the Repo's own load deals with those).
 */
function loadCompacted(chunks: { key: string[]; data?: Uint8Array }[]): A.Doc<unknown> | null {
	const [only] = chunks;
	if (chunks.length !== 1 || only?.key[1] !== 'snapshot' || !only.data) return null;
	try {
		return A.load(only.data);
	} catch {
		return null;
	}
}

/** The trip's handle: loaded from storage, or (nothing stored on this device) from `initial`. */
export async function openStoredHandle(
	repo: Repo,
	storage: IndexedDBStorageAdapter,
	documentId: DocumentId,
	initial: Uint8Array | null,
): Promise<DocHandle<unknown>> {
	const chunks = await storage.loadRange([documentId]);
	const compact = !repo.handles[documentId] ? loadCompacted(chunks) : null;
	if (compact) {
		// A document stored as one snapshot (as the Repo leaves it after a compaction) is loaded
		// here with A.load: the Repo's own load (loadIncremental into an empty document) builds
		// patches for the whole history on top, ~1.5× the time for 20,000 changes. The Repo then
		// stores it again under the same snapshot key (its heads), so nothing accumulates.
		const handle = repo.import(EMPTY_DOC, { docId: documentId });
		handle.update(() => compact);
		if (!handle.isReady()) handle.doneLoading();
		return handle;
	}
	if (chunks.length > 0) return repo.find(documentId);
	// Nothing stored anywhere on this device for this user: start from the genesis (or empty)
	// and let the first pull fill it.
	const handle = repo.import(initial ?? A.save(A.init()), { docId: documentId });
	if (!handle.isReady()) handle.doneLoading();
	return handle;
}
