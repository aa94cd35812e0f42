/**
 * `npm run bench -- app`: the app in Chromium. One runner for the whole suite (recordSuite replaces
 * a suite's figures), collecting figures from every module in bench/app/ that exports
 * `measure(bench)`: the trips list (list.ts) here; other screens add a file beside it.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withAppBench, type AppBench } from './app/harness.ts';
import { isMain, printFigures, recordSuite, type Figure } from './lib.ts';

/** What a figure module of the suite returns. */
export interface AppFigures {
	title: string;
	/** For bench-results.json: name (with unit) → value. */
	values: Record<string, number>;
	/** For the printed table. */
	figures: Figure[];
}

export type AppFigureModule = { measure: (bench: AppBench) => Promise<AppFigures> };

const here = join(dirname(fileURLToPath(import.meta.url)), 'app');

export async function run(): Promise<void> {
	const files = (await readdir(here)).filter((f) => f.endsWith('.ts') && f !== 'harness.ts').sort();
	const values: Record<string, number> = {};
	await withAppBench(async (bench) => {
		for (const file of files) {
			const mod = (await import(pathToFileURL(join(here, file)).href)) as Partial<AppFigureModule>;
			if (typeof mod.measure !== 'function') continue;
			const result = await mod.measure(bench);
			printFigures(result.title, result.figures);
			Object.assign(values, result.values);
		}
	});
	await recordSuite('app', values);
}

if (isMain(import.meta.url)) await run();
