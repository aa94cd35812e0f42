import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';

/**
 * Looking at processes from outside, as a user would with `ps` and `ss`: for tests that run the
 * npm scripts and check that nothing they started is left behind.
 */

/** `npm run <script>` in its own process group (so only the npm pid is signalled), output collected. */
export function runNpmScript(script: string, env: Record<string, string>) {
	const child: ChildProcess = spawn('npm', ['run', script], {
		env: { ...process.env, ...env },
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
	return { child, pid: child.pid!, output: () => ({ stdout, stderr }) };
}

/** Pids whose process group is `pgid` (Linux /proc). */
export async function groupMembers(pgid: number): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
		if (!stat) continue;
		// "pid (comm) state ppid pgrp …", comm possibly with spaces: fields after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
	}
	return pids;
}

export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Last resort after a failed test: SIGKILL the group it started and SIGINT its Postgres, by pid. */
export function killLeftovers(pgid: number, postmaster: number | null): void {
	try {
		process.kill(-pgid, 'SIGKILL');
	} catch {
		// already gone
	}
	if (postmaster !== null && alive(postmaster)) process.kill(postmaster, 'SIGINT');
}
