import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StackContext } from '../context.ts';
import { json, type ServiceHandler } from '../http.ts';

export interface RealtimeService {
	handleHttp: ServiceHandler;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
	/** Closes every socket and the LISTEN connection. */
	close(): Promise<void>;
}

// Placeholder until the Realtime-compatible service lands.
export function createRealtimeService(_ctx: StackContext): RealtimeService {
	return {
		handleHttp: async () => json(404, { message: 'not implemented yet' }),
		handleUpgrade: (_req, socket) => socket.destroy(),
		close: async () => {},
	};
}
