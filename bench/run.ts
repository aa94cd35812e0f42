/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after
 * another, so they don't compete for the two cores, and prints their figures.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here))
	.filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
	.sort();

console.log(
	`# Tripmate benchmarks — ${new Date().toISOString()} — node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
);
let failed = 0;
for (const file of files) {
	const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
	if (typeof mod.run !== 'function') {
		console.error(`${file} exports no run()`);
		failed++;
		continue;
	}
	try {
		await mod.run();
	} catch (err) {
		failed++;
		console.error(`\n${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
	}
}
process.exit(failed ? 1 : 0);
