import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { freePort } from '../../supabase/local/ports.ts';
import { alive, groupMembers, killLeftovers, portOpen, runNpmScript } from '../helpers/processes.ts';
import { eventually } from '../helpers/stack.ts';

const dirs: string[] = [];
afterAll(async () => {
	await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

test('SIGTERM to the npm process of npm run stack stops the API and Postgres, leaving no process or port', async () => {
	const work = await mkdtemp(join(tmpdir(), 'tripmate-npm-stack-'));
	dirs.push(work);
	// Under root, Postgres runs as the postgres user, who must be able to reach its data dir.
	await chmod(work, 0o755);
	const dataDir = join(work, 'pg');
	const [apiPort, dbPort] = [await freePort(), await freePort()];
	const npm = runNpmScript('stack', {
		STACK_DATA_DIR: dataDir,
		STACK_PORT: String(apiPort),
		STACK_DB_PORT: String(dbPort),
	});
	let postmaster: number | null = null;
	try {
		await eventually(
			() => npm.output().stdout.includes('JWT_SECRET='),
			`npm run stack to be ready (stderr: ${npm.output().stderr})`,
			60_000,
		);
		postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
		// npm, the `sh -c` it runs the script with, and node (plus tsx's esbuild).
		expect((await groupMembers(npm.pid)).length).toBeGreaterThanOrEqual(3);
		expect(alive(postmaster)).toBe(true);
		expect(await portOpen(apiPort)).toBe(true);

		process.kill(npm.pid, 'SIGTERM');
		await eventually(
			async () => (await groupMembers(npm.pid)).length === 0 && !alive(postmaster!),
			'every process npm run stack started to exit',
			15_000,
		);
		expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
		expect(await portOpen(apiPort)).toBe(false);
		expect(await portOpen(dbPort)).toBe(false);
	} finally {
		killLeftovers(npm.pid, postmaster);
	}
}, 90_000);
