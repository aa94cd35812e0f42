import { basename } from 'node:path';
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * Where a build goes. `TRIPMATE_BUILD_DIR` moves the static site there and gives SvelteKit its own
 * output folder, so a test build never collides with `npm run dev`, `npm run build` or another
 * test run in the same checkout. (SvelteKit's folder stays inside the project: prerendering
 * imports packages from node_modules.) Unset, everything stays in `build/` and `.svelte-kit/`.
 */
const buildDir = process.env.TRIPMATE_BUILD_DIR;
const kitDir = buildDir ? `.svelte-kit-${basename(buildDir)}` : '.svelte-kit';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A static build with an SPA fallback: the PWA can be served by any static host.
		adapter: adapter({
			pages: buildDir ? `${buildDir}/build` : 'build',
			assets: buildDir ? `${buildDir}/build` : 'build',
			fallback: 'index.html',
			strict: true,
		}),
		outDir: kitDir,
		// The app registers its own module service worker (Automerge's wasm needs import.meta).
		serviceWorker: { register: false },
	},
};

export default config;
