import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
	{
		ignores: ['build/', '.svelte-kit/', '.svelte-kit-*/', '.stack-data/', 'node_modules/', 'coverage/', 'scratch/'],
	},
	// typescript-eslint's recommended set starts with ESLint's own (eslint:recommended, via eslintRecommended).
	...tseslint.configs.recommended,
	...svelte.configs['flat/recommended'],
	prettier,
	...svelte.configs['flat/prettier'],
	{
		languageOptions: {
			globals: { ...globals.browser, ...globals.node },
		},
		rules: {
			// `_`-prefixed parameters and variables are deliberately unused.
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: tseslint.parser,
				svelteConfig,
			},
		},
	},
	{
		files: ['src/service-worker.ts'],
		languageOptions: { globals: { ...globals.serviceworker } },
	},
);
