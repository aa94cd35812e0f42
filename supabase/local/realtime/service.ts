import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { StackContext } from '../context.ts';
import type { ServiceHandler } from '../http.ts';
import { createAuthorizer } from './authorization.ts';
import { startDbDelivery } from './db-delivery.ts';
import { errorMessage, type RealtimeDeps } from './deps.ts';
import { Hub, type Member } from './hub.ts';
import type { Vsn } from './messages.ts';
import { HOSTED_LIMITS, RateCounter } from './limits.ts';
import { PresenceRegistry } from './presence.ts';
import { createRestBroadcast, forwardedHeaders } from './rest-broadcast.ts';
import { Connection } from './socket.ts';
import { checkRealtimeToken } from './tokens.ts';

export interface RealtimeService {
	handleHttp: ServiceHandler;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
	/** Closes every socket and the LISTEN connection. */
	close(): Promise<void>;
	/** What the service holds, to show that closed sockets leave nothing behind. */
	stats(): RealtimeStats;
}

export interface RealtimeStats {
	sockets: number;
	/** Sockets counted against `maxConcurrentUsers`. */
	users: number;
	/** Joined channels across all sockets and topics. */
	channels: number;
	/** Tracked presence metas across all topics. */
	presences: number;
}

/** Larger frames close the socket (1009); realtime-js messages are far smaller. */
const MAX_FRAME_BYTES = 1024 * 1024;
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Realtime as supabase-js sees it (protocol reference §3–4): the Phoenix socket at
 * /realtime/v1/websocket, the REST broadcast API, and delivery of committed `realtime.send` rows.
 */
export function createRealtimeService(ctx: StackContext): RealtimeService {
	const connections = new Set<Connection>();
	const hub = new Hub();
	const database = startDbDelivery(ctx, hub);
	const limits = { ...HOSTED_LIMITS, ...ctx.config.realtimeLimits };
	const presence = new PresenceRegistry<Member>();
	const deps: RealtimeDeps = {
		config: ctx.config,
		log: ctx.log,
		hub,
		presence,
		authorizer: createAuthorizer(ctx.pool),
		limits,
		joinRate: new RateCounter(limits.rateTickMs),
		presenceRate: new RateCounter(limits.rateTickMs),
		users: new Set(),
		// Bounded: if Postgres is down, joins still succeed (delivery resumes when it is back).
		databaseReady: () => database.ready(5000),
	};
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
	const sweep = setInterval(() => {
		const now = Date.now();
		for (const connection of connections) connection.closeIfIdle(now);
	}, SWEEP_INTERVAL_MS);
	sweep.unref();
	let closed = false;

	return {
		handleHttp: createRestBroadcast(deps),
		handleUpgrade(req, socket, head) {
			socket.on('error', (err) => ctx.log(`realtime: upgrade socket error: ${err.message}`));
			if (closed) return void socket.destroy();
			try {
				const url = new URL(req.url ?? '/', 'http://local');
				const vsn = url.searchParams.get('vsn') ?? '1.0.0';
				if (vsn !== '1.0.0' && vsn !== '2.0.0')
					return rejectUpgrade(socket, 400, `Unsupported serializer version ${vsn}`);
				const headerKey = req.headers['x-api-key'];
				const key = url.searchParams.get('apikey') ?? (typeof headerKey === 'string' ? headerKey : undefined);
				const check = checkRealtimeToken(key, ctx.config);
				if (!check.ok) return rejectUpgrade(socket, 401, check.message);
				const headers = forwardedHeaders(req);
				wss.handleUpgrade(req, socket, head, (ws) => {
					if (closed) return void ws.terminate();
					const connection = new Connection(ws, vsn as Vsn, check.caller.token, headers, deps, (c) => {
						connections.delete(c);
						deps.users.delete(c);
					});
					connections.add(connection);
				});
			} catch (err) {
				ctx.log(`realtime: upgrade failed: ${errorMessage(err)}`);
				rejectUpgrade(socket, 500, 'Internal server error');
			}
		},
		stats: () => ({ sockets: connections.size, users: deps.users.size, channels: hub.size, presences: presence.size }),
		async close() {
			if (closed) return;
			closed = true;
			clearInterval(sweep);
			// Like a crash: no close frames, so clients notice at once and reconnect with backoff.
			for (const connection of connections) connection.terminate();
			connections.clear();
			deps.users.clear();
			wss.close();
			await database.close();
		},
	};
}

/** Realtime rejects bad keys at the HTTP upgrade with a JSON `{"error": …}` body (§3.1). */
function rejectUpgrade(socket: Duplex, status: 400 | 401 | 500, error: string): void {
	const body = JSON.stringify({ error });
	const reason = { 400: 'Bad Request', 401: 'Unauthorized', 500: 'Internal Server Error' }[status];
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
			`Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
	);
}
