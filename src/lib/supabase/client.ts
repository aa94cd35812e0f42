import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { supabaseConfig } from './config';

/**
 * The app's one Supabase client. The session lives in localStorage for now (supabase-js's browser
 * default); the service worker will need it in IndexedDB once it syncs (ARCHITECTURE §6).
 */
export const supabase: SupabaseClient = createClient(supabaseConfig.url, supabaseConfig.anonKey, {
	auth: {
		persistSession: true,
		autoRefreshToken: true,
		// No OAuth or magic-link redirects yet: nothing to read from the URL.
		detectSessionInUrl: false,
	},
});
