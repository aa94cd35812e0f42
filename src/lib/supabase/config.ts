/** Where the app finds Supabase: the project URL and its public (anon) key. */
export interface SupabaseConfig {
	readonly url: string;
	readonly anonKey: string;
}

/** The embedded stack's default address (`npm run dev`, `npm run stack`; the Supabase CLI's too). */
export const LOCAL_SUPABASE_URL = 'http://127.0.0.1:54321';

/**
 * The anon key every local Supabase project shares (Supabase CLI and our embedded stack alike).
 * It is public by design: it only identifies the project; RLS decides what a caller may do.
 */
export const LOCAL_SUPABASE_ANON_KEY =
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

/** The build-time variables the config is read from (Vite exposes `PUBLIC_*` as `import.meta.env`). */
export interface PublicEnv {
	readonly PUBLIC_SUPABASE_URL?: string;
	readonly PUBLIC_SUPABASE_ANON_KEY?: string;
}

declare global {
	interface ImportMetaEnv {
		readonly PUBLIC_SUPABASE_URL?: string;
		readonly PUBLIC_SUPABASE_ANON_KEY?: string;
	}
	// Vite's own declaration, repeated so the service worker's tsconfig (no vite types) knows it.
	interface ImportMeta {
		readonly env: ImportMetaEnv;
	}
}

/**
 * The config for a given environment; unset or empty variables fall back to the local stack, so a
 * plain `vite build` works against `npm run dev`'s backend.
 *
 * @param env the public variables, usually `import.meta.env`
 */
export function resolveSupabaseConfig(env: PublicEnv): SupabaseConfig {
	const url = env.PUBLIC_SUPABASE_URL?.trim() || LOCAL_SUPABASE_URL;
	const anonKey = env.PUBLIC_SUPABASE_ANON_KEY?.trim() || LOCAL_SUPABASE_ANON_KEY;
	if (!/^https?:$/.test(URL.parse(url)?.protocol ?? '')) {
		throw new Error(`PUBLIC_SUPABASE_URL is not an http(s) URL: ${JSON.stringify(url)}`);
	}
	return { url: url.replace(/\/+$/, ''), anonKey };
}

/** The app's config, fixed at build time. */
export const supabaseConfig: SupabaseConfig = resolveSupabaseConfig({
	PUBLIC_SUPABASE_URL: import.meta.env.PUBLIC_SUPABASE_URL,
	PUBLIC_SUPABASE_ANON_KEY: import.meta.env.PUBLIC_SUPABASE_ANON_KEY,
});
