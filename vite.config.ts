import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
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
					include: ['tests/stack/**/*.test.ts', 'tests/server/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/setup/cluster.ts'],
					testTimeout: 20_000,
					hookTimeout: 60_000,
				},
			},
		],
	},
});
