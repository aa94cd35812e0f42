import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { handleInbox } from './auth/inbox.ts';
import { createAuthService } from './auth/service.ts';
import type { ApiContext } from './context.ts';
import { json, type ApiRequest, type ApiResponse, type ServiceHandler } from './http.ts';
import { assertPortFree } from './ports.ts';
import { createRealtimeService, type RealtimeStats } from './realtime/service.ts';
import { createRestService } from './rest/service.ts';

/** One running API server: Auth, REST and Realtime on one port, like the Supabase gateway. */
export interface ApiServer {
	readonly port: number;
	readonly url: string;
	/**
	 * Closes the port and drops every connection at once, as a crash would (clients see their
	 * sockets close, not a polite goodbye). Idempotent.
	 */
	stop(): Promise<void>;
	/** What Realtime holds right now (sockets, channels, presences). */
	realtimeStats(): RealtimeStats;
}

const gzipAsync = promisify(gzip);

const CORS_HEADERS = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD',
	'access-control-expose-headers':
		'Content-Range, Content-Location, Content-Type, Location, Range-Unit, X-Supabase-Api-Version, X-Total-Count, Link, x-sb-error-code',
	'access-control-max-age': '86400',
};

/** Kong's answer for a path no service owns. */
const NO_ROUTE = { message: 'no Route matched with those values' };

export async function startApiServer(ctx: ApiContext, port: number): Promise<ApiServer> {
	const auth = createAuthService(ctx.auth);
	const rest = createRestService(ctx.rest);
	const realtime = createRealtimeService(ctx.realtime);
	const routes: [prefix: string, handler: ServiceHandler][] = [
		['/auth/v1', auth.handle],
		['/rest/v1', rest.handle],
		['/realtime/v1/api', realtime.handleHttp],
		// The Auth mailer's inbox (Mailpit's API); the CLI serves Mailpit on its own port instead.
		['/inbox', (req) => handleInbox(ctx.auth.inbox, req)],
	];

	const sockets = new Set<Socket>();
	const server = createServer((req, res) => {
		void serve(req, res).catch((err: unknown) => {
			ctx.log(`unhandled error on ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
			if (!res.headersSent) void send(res, json(500, { code: 'unexpected_failure', message: 'Internal server error' }));
			else res.destroy();
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		// Node leaves upgrade sockets without an 'error' listener: a client resetting the connection
		// would otherwise crash the process.
		socket.on('error', (err) => ctx.log(`upgrade socket error: ${err.message}`));
		const path = new URL(req.url ?? '/', 'http://local').pathname;
		if (path === '/realtime/v1/websocket' || path === '/realtime/v1/websocket/') {
			realtime.handleUpgrade(req, socket, head);
		} else {
			socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n' + JSON.stringify(NO_ROUTE));
		}
	});
	// A client that goes quiet mid-request must not pin a connection forever.
	server.requestTimeout = 60_000;
	server.headersTimeout = 20_000;

	async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
		if (req.method === 'OPTIONS') {
			const requested = req.headers['access-control-request-headers'];
			res.writeHead(204, {
				...CORS_HEADERS,
				'access-control-allow-headers': typeof requested === 'string' ? requested : '*',
			});
			res.end();
			return;
		}
		const url = new URL(req.url ?? '/', 'http://local');
		const route = routes.find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(prefix + '/'));
		if (!route) {
			req.resume();
			await send(res, json(404, NO_ROUTE));
			return;
		}
		const body = await readBody(req, ctx.config.maxBodyBytes);
		if (body === 'too-large') {
			await send(
				res,
				json(413, {
					code: 'request_too_large',
					message: `Request body is larger than the limit of ${ctx.config.maxBodyBytes} bytes`,
				}),
				true,
			);
			return;
		}
		const request: ApiRequest = {
			method: req.method ?? 'GET',
			path: url.pathname.slice(route[0].length) || '/',
			query: url.searchParams,
			headers: req.headers,
			body,
			raw: req,
		};
		await send(res, await route[1](request), false, req.headers['accept-encoding']);
	}

	await assertPortFree(port, 'the API (STACK_PORT)');
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', reject);
			// Later server errors (e.g. out of file descriptors) are logged, not fatal.
			server.on('error', (err) => ctx.log(`API server error: ${err.message}`));
			resolve();
		});
	});
	const address = server.address();
	const boundPort = typeof address === 'object' && address ? address.port : port;

	let stopping: Promise<void> | undefined;
	return {
		port: boundPort,
		url: `http://127.0.0.1:${boundPort}`,
		realtimeStats: () => realtime.stats(),
		stop: () =>
			(stopping ??= (async () => {
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				await realtime.close();
				for (const socket of sockets) socket.destroy();
				await closed;
			})()),
	};
}

/**
 * Bodies above this size are gzipped when the client accepts it, as the hosted gateway does:
 * base64 change sets and hex hashes compress to well under half, which is most of a pull.
 */
const COMPRESS_FROM_BYTES = 1024;

async function send(
	res: ServerResponse,
	response: ApiResponse,
	closeAfter = false,
	acceptEncoding?: string,
): Promise<void> {
	const headers: Record<string, string> = { ...CORS_HEADERS, ...response.headers };
	if (closeAfter) headers.connection = 'close';
	let payload: string | Buffer | undefined;
	if (response.body === undefined || response.body === null) payload = undefined;
	else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) payload = response.body;
	else {
		payload = JSON.stringify(response.body);
		headers['content-type'] ??= 'application/json; charset=utf-8';
	}
	if (
		payload !== undefined &&
		Buffer.byteLength(payload) >= COMPRESS_FROM_BYTES &&
		/\bgzip\b/.test(acceptEncoding ?? '') &&
		!headers['content-encoding']
	) {
		payload = await gzipAsync(payload, { level: 1 });
		headers['content-encoding'] = 'gzip';
		headers.vary = 'Accept-Encoding';
	}
	if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
	try {
		res.writeHead(response.status, headers);
	} catch (err) {
		// A header value a service built from bad input; answer rather than throw.
		const body = JSON.stringify({ code: 'unexpected_failure', message: `Invalid response header: ${String(err)}` });
		res.writeHead(500, { ...CORS_HEADERS, 'content-type': 'application/json; charset=utf-8' });
		res.end(body);
		return;
	}
	res.end(payload);
}

/**
 * Reads the whole body, giving up at `limit` bytes so an oversized upload costs no memory; the
 * rest is drained and discarded while the 413 goes out (with `connection: close`).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
	return new Promise((resolve, reject) => {
		const declared = Number(req.headers['content-length']);
		if (Number.isFinite(declared) && declared > limit) {
			req.resume();
			resolve('too-large');
			return;
		}
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			if (size > limit) return;
			size += chunk.length;
			if (size > limit) resolve('too-large');
			else chunks.push(chunk);
		});
		req.once('end', () => resolve(Buffer.concat(chunks)));
		req.once('error', reject);
	});
}
