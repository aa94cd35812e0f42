/**
 * The peer: automerge-repo 2.5.6 with its own WebSocket sync server (a Repo behind
 * WebSocketServerAdapter, as automerge-repo-sync-server runs it), clients with in-memory docs.
 */
import * as A from '@automerge/automerge';
import { Repo, type DocHandle, type DocumentId } from '@automerge/automerge-repo';
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { WebSocketServer } from 'ws';
import type { TripDoc } from '../../src/lib/trip/schema.ts';
import { WireMeter } from './meter.ts';

export interface PeerWorld {
	meter: WireMeter;
	url: string;
	server: Repo;
	client(): Promise<Repo>;
	/** Shuts one client down (a device going away). */
	drop(client: Repo): Promise<void>;
	close(): Promise<void>;
}

export async function startPeer(): Promise<PeerWorld> {
	const meter = new WireMeter();
	const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
	await new Promise<void>((r) => wss.once('listening', () => r()));
	meter.watchServer(wss);
	const server = new Repo({ network: [new WebSocketServerAdapter(wss as never)], sharePolicy: async () => false });
	const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
	const clients: Repo[] = [];
	return {
		meter,
		url,
		server,
		async client() {
			const adapter = new WebSocketClientAdapter(url);
			const repo = new Repo({ network: [adapter] });
			await adapter.whenReady();
			clients.push(repo);
			return repo;
		},
		async drop(client) {
			clients.splice(clients.indexOf(client), 1);
			await client.shutdown();
		},
		async close() {
			await Promise.all(clients.map((c) => c.shutdown()));
			await server.shutdown();
			await new Promise((r) => wss.close(r));
		},
	};
}

export const headsOf = (h: DocHandle<unknown>) => [...A.getHeads(h.doc() as A.Doc<unknown>)].sort().join();

/** A trip document known to the sync server (as the writer's client would have uploaded it). */
export function serverTrip(world: PeerWorld, doc: A.Doc<TripDoc>): DocumentId {
	const handle = world.server.import<TripDoc>(A.save(doc));
	return handle.documentId;
}
