// What this device holds for the trips list, read straight from IndexedDB before the sync engine
// (and Automerge's wasm) has loaded: the engine's per-trip metadata and the list's summaries.
// Imports nothing that pulls Automerge in (the engine's store module stands alone).
import { openIndexedDbSyncStore, type TripMeta } from '$lib/sync/store';
import type { TripSummary } from './summary';
import { SummaryStore } from './summary-store';

export interface LocalTrips {
	read(): Promise<{ metas: TripMeta[]; summaries: TripSummary[] }>;
}

export function localTrips(userId: string): LocalTrips {
	return {
		async read() {
			const summaries = new SummaryStore(userId);
			const [metas, all] = await Promise.all([
				openIndexedDbSyncStore(userId).then(async (store) => {
					try {
						return await store.trips();
					} finally {
						store.close();
					}
				}),
				summaries.all().catch(() => [] as TripSummary[]),
			]);
			void summaries.close();
			return { metas, summaries: all };
		},
	};
}
