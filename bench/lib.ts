import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

/** Percentile by nearest rank; `sorted` ascending. */
export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; n: number } {
	const sorted = [...samples].sort((a, b) => a - b);
	return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length };
}

export interface Figure {
	name: string;
	value: string;
	target?: string;
	/** undefined when there is no target to meet. */
	met?: boolean;
}

export function printFigures(title: string, figures: Figure[]): void {
	console.log(`\n## ${title}`);
	const w = Math.max(...figures.map((f) => f.name.length));
	const v = Math.max(...figures.map((f) => f.value.length));
	for (const f of figures) {
		const verdict = f.met === undefined ? '' : f.met ? 'met' : 'NOT MET';
		console.log(
			`${f.name.padEnd(w)}  ${f.value.padStart(v)}  ${f.target ? `target ${f.target}` : ''} ${verdict}`.trimEnd(),
		);
	}
}

export const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** supabase-js as the app uses it, on Node (ws as the Realtime transport). */
export function benchClient(
	url: string,
	key: string,
	accessToken?: string,
	fetch?: typeof globalThis.fetch,
): SupabaseClient {
	return createClient(url, key, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		realtime: { transport: WebSocket as never },
		...(accessToken ? { accessToken: async () => accessToken } : {}),
		...(fetch ? { global: { fetch } } : {}),
	});
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
	return process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href;
}
