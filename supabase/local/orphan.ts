import { readFileSync } from 'node:fs';

/**
 * Noticing that whoever started this process is gone, so `npm run stack` / `npm run dev` stop
 * what they started even when no signal reaches them. npm 11 forwards SIGTERM to its child,
 * which is `sh -c "node …"`; dash dies of it without passing it on, and node, reparented, would
 * keep the API and Postgres running. So the watch covers the parent and, on Linux, the parent's
 * parent (npm above the shell): when either changes, the process was orphaned.
 */

/** The parent of `pid` from /proc (Linux); undefined where there is no /proc or the process is gone. */
function parentOf(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
		const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
		return Number.isInteger(ppid) ? ppid : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Calls `onOrphaned` once, when the parent or grandparent this process started under exits.
 * Polls (cheaply) rather than relying on a signal: a dying parent sends none.
 */
export function watchForOrphaning(onOrphaned: () => void, intervalMs = 250): () => void {
	const parent = process.ppid;
	const grandparent = parentOf(parent);
	const timer = setInterval(() => {
		const orphaned = process.ppid !== parent || (grandparent !== undefined && parentOf(parent) !== grandparent);
		if (!orphaned) return;
		clearInterval(timer);
		onOrphaned();
	}, intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}

/**
 * Once the terminal or npm is gone, writing to stdout/stderr fails with EPIPE, which would crash
 * the process in the middle of stopping Postgres. Output then goes nowhere instead.
 */
export function survivePipeLoss(): void {
	for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
