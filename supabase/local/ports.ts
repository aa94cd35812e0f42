import { createServer } from 'node:net';

/** Fails with a message naming the setting to change, instead of Postgres's or Node's EADDRINUSE. */
export async function assertPortFree(port: number, what: string): Promise<void> {
	const free = await new Promise<boolean>((resolve) => {
		const probe = createServer();
		probe.once('error', () => resolve(false));
		probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
	});
	if (!free) {
		throw new Error(`Port ${port} for ${what} is already in use. Stop whatever holds it, or pick another port.`);
	}
}

/** A port the OS says is free right now (for tests that run beside `npm run dev`). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen({ port: 0, host: '127.0.0.1' }, () => {
			const address = probe.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			probe.close(() => resolve(port));
		});
	});
}
