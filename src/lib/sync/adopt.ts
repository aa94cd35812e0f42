// Taking over a guest's local trips when the guest signs in to an existing account on this device
// (AppAuth's 'claimed' change): the server moved the guest's memberships and actor bindings to the
// account (redeem_claim_token); this moves the device's side — each trip's document, its sync
// metadata and the guest's actor ids — from the guest's databases into the account's, so the
// account's engine pushes the guest's unsynced edits as its own. The outbox is not copied: a
// Replica rebuilds it on start from the document and the (now shared) actors and acks.
import * as A from '@automerge/automerge';
import type { Repo } from '@automerge/automerge-repo';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { tripIdToDocumentId, type TripId } from '../trip/ids';
import { docsDatabaseName } from './docs-name';
import { openIndexedDbSyncStore, type SyncStore } from './store';

export { docsDatabaseName };

export interface AdoptTarget {
	repo: Repo;
	storage: IndexedDBStorageAdapter;
	store: SyncStore;
	scope: string;
	indexedDB?: IDBFactory;
}

/** Copies every trip the guest `fromUserId` holds on this device into `to`; returns their ids. */
export async function adoptTrips(fromUserId: string, to: AdoptTarget): Promise<string[]> {
	const from = await openIndexedDbSyncStore(fromUserId, { scope: to.scope, indexedDB: to.indexedDB });
	const fromDocs = new IndexedDBStorageAdapter(docsDatabaseName(fromUserId, to.scope));
	const adopted: string[] = [];
	try {
		// Actors first: once the document is in place its changes must already count as our own.
		for (const actor of await from.actors()) await to.store.addActor(actor);
		for (const meta of await from.trips()) {
			const documentId = tripIdToDocumentId(meta.tripId as TripId);
			let doc = A.init<unknown>();
			for (const chunk of await fromDocs.loadRange([documentId]))
				if (chunk.data) doc = A.loadIncremental(doc, chunk.data);
			if (A.getHeads(doc).length === 0 && !meta.createdHere) continue;
			const mine = await to.store.trip(meta.tripId);
			const held = (await to.storage.loadRange([documentId])).length > 0;
			if (held) {
				const handle = await to.repo.find(documentId);
				handle.update((d) => A.merge(d, doc));
			} else to.repo.import(A.save(doc), { docId: documentId });
			await to.repo.flush([documentId]);
			const { tripId: _, ...guest } = meta;
			// A trip the account already syncs keeps its own metadata, re-pulled from the start
			// (harmless) and with the guest's acks added; otherwise the guest's metadata moves as is.
			// Either way the guest's changes are now own ones: the next start scans the whole document.
			await to.store.updateTrip(
				meta.tripId,
				held || mine.cursor > 0
					? { cursor: 0, cursorHash: null, acked: { ...guest.acked, ...mine.acked }, docStored: true, scanned: null }
					: { ...guest, docStored: true, scanned: null },
			);
			adopted.push(meta.tripId);
		}
	} finally {
		from.close();
	}
	return adopted;
}
