// The trips list's summaries in IndexedDB, one database per user like the engine's own (a list
// must never show another user's trips), read all at once for a first render from the device.
import type { TripSummary } from './summary';

const STORE = 'summaries';

export const summaryDatabaseName = (userId: string) => `tripmate-list:${userId}`;

export class SummaryStore {
	readonly #db: Promise<IDBDatabase>;

	constructor(userId: string, factory: IDBFactory = indexedDB) {
		this.#db = new Promise((resolve, reject) => {
			const request = factory.open(summaryDatabaseName(userId), 1);
			request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'tripId' });
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
	}

	async all(): Promise<TripSummary[]> {
		const db = await this.#db;
		return new Promise((resolve, reject) => {
			const read = db.transaction(STORE).objectStore(STORE).getAll();
			read.onsuccess = () => resolve(read.result as TripSummary[]);
			read.onerror = () => reject(read.error);
		});
	}

	async put(summary: TripSummary): Promise<void> {
		await this.#write((store) => store.put(summary));
	}

	async delete(tripId: string): Promise<void> {
		await this.#write((store) => store.delete(tripId));
	}

	async close(): Promise<void> {
		(await this.#db).close();
	}

	async #write(op: (store: IDBObjectStore) => void): Promise<void> {
		const db = await this.#db;
		await new Promise<void>((resolve, reject) => {
			const tx = db.transaction(STORE, 'readwrite');
			op(tx.objectStore(STORE));
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error);
		});
	}
}
