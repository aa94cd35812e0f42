import 'fake-indexeddb/auto';
import { openIndexedDbSyncStore } from './store';
import { syncStoreContract } from './store-contract';

let run = 0;
const prefix = `spec${Date.now()}-${run++}:`;
syncStoreContract('IndexedDB (fake-indexeddb)', (userId) => openIndexedDbSyncStore(userId, { scope: prefix }));
