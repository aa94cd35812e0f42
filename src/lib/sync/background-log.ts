// The last background run and the catch-up setting, in a small IndexedDB database both the worker
// (which writes the runs) and the settings page (which shows them) can read. Not keyed by user:
// it describes this device's worker.
import { committed, openDatabase, promised } from './idb';
import type { BackgroundKind } from './background-messages';

export interface BackgroundRun {
	kind: BackgroundKind;
	at: number;
	durationMs: number;
	trips: number;
	pushed: number;
	pulled: number;
	/** null: every trip went through. */
	error: string | null;
}

export interface CatchupSetting {
	enabled: boolean;
	/** The minimum interval asked of the browser for periodic sync. */
	minIntervalMs: number;
}

export const DEFAULT_CATCHUP_INTERVAL_MS = 12 * 60 * 60 * 1000;
const DB = 'tripmate-background';
const STORE = 'kv';

async function open(factory: IDBFactory): Promise<IDBDatabase> {
	return openDatabase(factory, DB, 1, (db) => db.createObjectStore(STORE));
}

async function read<T>(key: string, factory: IDBFactory): Promise<T | undefined> {
	const db = await open(factory);
	try {
		return (await promised(db.transaction(STORE).objectStore(STORE).get(key))) as T | undefined;
	} finally {
		db.close();
	}
}

async function write(key: string, value: unknown, factory: IDBFactory): Promise<void> {
	const db = await open(factory);
	try {
		const tx = db.transaction(STORE, 'readwrite');
		tx.objectStore(STORE).put(value, key);
		await committed(tx);
	} finally {
		db.close();
	}
}

export const lastBackgroundRun = (factory = globalThis.indexedDB) => read<BackgroundRun>('last-run', factory);
export const recordBackgroundRun = (run: BackgroundRun, factory = globalThis.indexedDB) =>
	write('last-run', run, factory);

export async function catchupSetting(factory = globalThis.indexedDB): Promise<CatchupSetting> {
	return (
		(await read<CatchupSetting>('catchup', factory)) ?? { enabled: false, minIntervalMs: DEFAULT_CATCHUP_INTERVAL_MS }
	);
}
export const saveCatchupSetting = (setting: CatchupSetting, factory = globalThis.indexedDB) =>
	write('catchup', setting, factory);
