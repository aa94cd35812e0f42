/**
 * Opening a long-lived trip (1,000 items / 20,000 changes): on a new device (from the server) and
 * from IndexedDB (a device that has it, restarted). The same fixture for both engines.
 */
import * as A from '@automerge/automerge';
import { Repo } from '@automerge/automerge-repo';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { WebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import type { TripDoc } from '../../src/lib/trip/schema.ts';
import { until } from './fixtures.ts';
import { headsOf, serverTrip, startPeer } from './peer.ts';

export async function peerOpen(doc: A.Doc<TripDoc>): Promise<{ newDeviceMs: number; indexedDbMs: number }> {
	const world = await startPeer();
	const docId = serverTrip(world, doc);
	const want = [...A.getHeads(doc)].sort().join();
	const dbName = `peer-open-${Math.random()}`;
	const adapter = new WebSocketClientAdapter(world.url);
	let t0 = performance.now();
	const device = new Repo({ network: [adapter], storage: new IndexedDBStorageAdapter(dbName) });
	await adapter.whenReady();
	const h = await device.find<TripDoc>(docId);
	await until(() => headsOf(h) === want, 'the new peer device to open the trip');
	const newDeviceMs = performance.now() - t0;
	await device.flush();
	await device.shutdown();
	t0 = performance.now();
	const again = new Repo({ network: [], storage: new IndexedDBStorageAdapter(dbName) });
	const h2 = await again.find<TripDoc>(docId);
	const items = Object.keys(h2.doc()?.items ?? {}).length;
	const indexedDbMs = performance.now() - t0;
	if (headsOf(h2) !== want || items === 0) throw new Error('the peer reopened an incomplete trip');
	await again.shutdown();
	await world.close();
	return { newDeviceMs, indexedDbMs };
}
