import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json',
	'.webmanifest': 'application/manifest+json',
	'.wasm': 'application/wasm',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
};

/**
 * Serves a static build the way a plain static host would, with an SPA fallback to index.html.
 * `no-store` on purpose: `vite preview` marks assets immutable, and the HTTP cache then hides a
 * missing precache entry in offline tests (frontend probe, pitfall 5).
 */
export async function serveStatic(root: string): Promise<{ url: string; close(): Promise<void> }> {
	const server: Server = createServer((req, res) => {
		void (async () => {
			const path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
			let file = normalize(join(root, path));
			if (!file.startsWith(root + sep) && file !== root) {
				res.writeHead(403).end();
				return;
			}
			const info = await stat(file).catch(() => null);
			if (info?.isDirectory()) file = join(file, 'index.html');
			else if (!info) file = join(root, 'index.html');
			res.writeHead(200, {
				'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
				'cache-control': 'no-store',
			});
			createReadStream(file)
				.on('error', () => res.destroy())
				.pipe(res);
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
