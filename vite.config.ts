import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { loadEnv } from 'vite';
import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };
import svelteConfig from './svelte.config.js';

const kitOutDir = svelteConfig.kit?.outDir ?? '.svelte-kit';

/** Automerge's wasm is about 3.6 MB; Workbox silently skips anything above its 2 MiB default. */
const MAX_PRECACHE_FILE_BYTES = 8 * 1024 * 1024;

export default defineConfig(({ mode }) => {
	const env = { ...loadEnv(mode, process.cwd(), 'PUBLIC_'), ...process.env };
	return {
		// SvelteKit builds the service worker with `define` only (no envPrefix): the worker's supabase
		// client needs the same project as the page. TRIPMATE_VERSION lets a test deploy "a new version".
		define: {
			__APP_VERSION__: JSON.stringify(env.TRIPMATE_VERSION || pkg.version),
			'import.meta.env.PUBLIC_SUPABASE_URL': JSON.stringify(env.PUBLIC_SUPABASE_URL ?? ''),
			'import.meta.env.PUBLIC_SUPABASE_ANON_KEY': JSON.stringify(env.PUBLIC_SUPABASE_ANON_KEY ?? ''),
		},
		// PUBLIC_* variables (PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY) reach the client as import.meta.env.
		envPrefix: ['VITE_', 'PUBLIC_'],
		plugins: [
			sveltekit(),
			SvelteKitPWA({
				strategies: 'injectManifest',
				srcDir: 'src',
				filename: 'service-worker.ts',
				// src/lib/pwa/register.ts registers the worker as a module (see docs/frontend-probe pitfall 1).
				injectRegister: false,
				// Both must follow svelte.config.js's outDir (moved for isolated test builds).
				kit: { outDir: kitOutDir },
				outDir: `${kitOutDir}/output`,
				manifest: {
					name: 'Tripmate',
					short_name: 'Tripmate',
					description: 'Plan trips and packing lists together, online or off.',
					lang: 'en',
					start_url: '/',
					scope: '/',
					display: 'standalone',
					theme_color: '#0f766e',
					background_color: '#f8fafc',
					// From static/icon.svg by `npm run icons` (@vite-pwa/assets-generator, minimal-2023 preset).
					icons: [
						{ src: '/pwa-64x64.png', sizes: '64x64', type: 'image/png' },
						{ src: '/pwa-192x192.png', sizes: '192x192', type: 'image/png' },
						{ src: '/pwa-512x512.png', sizes: '512x512', type: 'image/png' },
						{ src: '/maskable-icon-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
					],
					shortcuts: [
						{
							name: 'New trip',
							short_name: 'New trip',
							url: '/?new',
							icons: [{ src: '/pwa-192x192.png', sizes: '192x192', type: 'image/png' }],
						},
					],
				},
				injectManifest: {
					globPatterns: ['client/**/*.{js,css,ico,png,svg,webp,webmanifest,wasm}', 'prerendered/**/*.{html,json}'],
					maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
				},
				devOptions: { enabled: false },
			}),
		],
		test: {
			projects: [
				{
					extends: true,
					test: {
						name: 'unit',
						include: ['src/**/*.spec.ts', 'tests/unit/**/*.test.ts'],
						environment: 'node',
					},
				},
				{
					extends: true,
					test: {
						name: 'stack',
						include: ['tests/stack/**/*.test.ts', 'tests/server/**/*.test.ts', 'tests/sync/**/*.test.ts'],
						environment: 'node',
						globalSetup: ['tests/setup/cluster.ts'],
						testTimeout: 20_000,
						hookTimeout: 60_000,
					},
				},
				{
					extends: true,
					test: {
						name: 'e2e',
						include: ['tests/e2e/**/*.test.ts'],
						environment: 'node',
						// Starts a stack, builds the app once and serves it; the tests drive Chromium.
						globalSetup: ['tests/setup/e2e.ts'],
						testTimeout: 60_000,
						hookTimeout: 180_000,
					},
				},
			],
		},
	};
});
