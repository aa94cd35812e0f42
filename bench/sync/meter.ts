/**
 * Bytes on the wire, counted the same way for both engines: HTTP bodies as sent (request bodies,
 * response bodies after gzip by Content-Length) and WebSocket payloads in both directions;
 * headers and frame overhead excluded.
 */
import WebSocket from 'ws';

export class WireMeter {
	up = 0;
	down = 0;
	get total(): number {
		return this.up + this.down;
	}
	reset(): void {
		this.up = 0;
		this.down = 0;
	}

	readonly fetch: typeof fetch = async (input, init) => {
		const body = init?.body;
		if (typeof body === 'string') this.up += Buffer.byteLength(body);
		else if (body instanceof Uint8Array || body instanceof ArrayBuffer) this.up += body.byteLength;
		const res = await fetch(input, init);
		const declared = res.headers.get('content-length');
		this.down += declared !== null ? Number(declared) : (await res.clone().arrayBuffer()).byteLength;
		return res;
	};

	/** A `ws` WebSocket class counting what it sends and receives (Realtime's transport). */
	get WebSocket(): typeof WebSocket {
		// eslint-disable-next-line @typescript-eslint/no-this-alias
		const meter = this;
		return class CountingWebSocket extends WebSocket {
			constructor(...args: ConstructorParameters<typeof WebSocket>) {
				super(...args);
				this.on('message', (data: Buffer) => (meter.down += data.length));
			}
			override send(data: unknown, ...rest: unknown[]): void {
				meter.up += typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
				(super.send as (...a: unknown[]) => void)(data, ...rest);
			}
		};
	}

	/** Counts every frame of the sockets a `ws` server accepts (the peer's sync server). */
	watchServer(server: import('ws').WebSocketServer): void {
		server.on('connection', (socket) => {
			socket.on('message', (data: Buffer) => (this.up += data.length));
			const send = socket.send.bind(socket) as (...a: unknown[]) => void;
			(socket as unknown as { send: (...a: unknown[]) => void }).send = (data: unknown, ...rest: unknown[]) => {
				this.down += (data as Uint8Array).byteLength;
				send(data, ...rest);
			};
		});
	}
}
