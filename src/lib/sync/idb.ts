// Promise wrappers over the raw IndexedDB API (no library: the store needs four calls).

export function promised<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
	});
}

/** Resolves when the transaction commits (durably, as far as the browser promises), rejects on abort. */
export function committed(tx: IDBTransaction): Promise<void> {
	return new Promise((resolve, reject) => {
		tx.oncomplete = () => resolve();
		tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
		tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
	});
}

export function openDatabase(
	factory: IDBFactory,
	name: string,
	version: number,
	upgrade: (db: IDBDatabase, oldVersion: number) => void,
): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = factory.open(name, version);
		request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB ${name}`));
		request.onblocked = () => reject(new Error(`IndexedDB ${name} is blocked by an older connection`));
	});
}
