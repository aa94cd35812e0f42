import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** The repo root's bench-results.json (gitignored: a local artefact of the last runs). */
export const RESULTS_FILE = fileURLToPath(new URL('../bench-results.json', import.meta.url));

/**
 * The one writer of bench-results.json: `{ "suite": { "figure_name_with_unit": number } }`.
 * Replaces `suite`'s figures and keeps every other suite's, so `npm run bench -- NAME` refreshes
 * only its own. Non-finite figures (a step that did not run) are left out rather than written as null.
 */
export async function recordSuite(suite: string, figures: Record<string, number>): Promise<void> {
	let all: Record<string, Record<string, number>> = {};
	try {
		all = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as typeof all;
	} catch (e) {
		// A missing file is the first run; anything else unreadable is replaced, not merged into.
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
	}
	const kept = Object.fromEntries(Object.entries(figures).filter(([, v]) => Number.isFinite(v)));
	all[suite] = kept;
	await writeFile(RESULTS_FILE, `${JSON.stringify(all, null, '\t')}\n`);
}
