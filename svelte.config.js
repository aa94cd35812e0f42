import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A static build with an SPA fallback: the PWA can be served by any static host.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
		// The app registers its own module service worker (Automerge's wasm needs import.meta).
		serviceWorker: { register: false },
	},
};

export default config;
