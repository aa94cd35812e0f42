import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on a fixed local port in front of another server: `cut()` makes that address dead
 * (listener closed, every connection reset) as if the server had stopped, `restore()` brings it
 * back on the same port, and `target` can be switched (a new deployment at the same origin).
 * Lets one test file "stop" the shared e2e stack, or its own static site, without touching them.
 */
export class Relay {
	#server: Server | null = null;
	#sockets = new Set<Socket>();
	port = 0;

	constructor(public target: { host: string; port: number }) {}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	static async start(targetUrl: string): Promise<Relay> {
		const u = new URL(targetUrl);
		const relay = new Relay({ host: u.hostname, port: Number(u.port) });
		await relay.restore();
		return relay;
	}

	setTarget(targetUrl: string): void {
		const u = new URL(targetUrl);
		this.target = { host: u.hostname, port: Number(u.port) };
		// Kept-alive connections still lead to the old server: a redeploy ends them.
		for (const s of this.#sockets) s.destroy();
		this.#sockets.clear();
	}

	async restore(): Promise<void> {
		if (this.#server) return;
		const server = createServer((client) => {
			const upstream = connect(this.target.port, this.target.host);
			this.#sockets.add(client).add(upstream);
			const drop = () => {
				client.destroy();
				upstream.destroy();
				this.#sockets.delete(client);
				this.#sockets.delete(upstream);
			};
			client.on('error', drop).on('close', drop);
			upstream.on('error', drop).on('close', drop);
			client.pipe(upstream).pipe(client);
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(this.port, '127.0.0.1', () => resolve());
		});
		const address = server.address();
		this.port = typeof address === 'object' && address ? address.port : this.port;
		this.#server = server;
	}

	async cut(): Promise<void> {
		const server = this.#server;
		this.#server = null;
		for (const s of this.#sockets) s.destroy();
		this.#sockets.clear();
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
