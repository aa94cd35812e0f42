import { readdirSync, readFileSync } from 'node:fs';

/**
 * The pids whose parent is `pid`, read from /proc (Linux); empty where /proc is missing.
 *
 * Postgres backends call setsid() when forked, so they leave the postmaster's process group:
 * signalling the group alone leaves them serving queries on open connections for a moment,
 * which a crash of the whole server does not.
 */
export function childPids(pid: number): number[] {
	let entries: string[];
	try {
		entries = readdirSync('/proc');
	} catch {
		return [];
	}
	const children: number[] = [];
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold
			// spaces and parentheses, so read after its closing parenthesis.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (ppid === pid) children.push(Number(entry));
		} catch {
			// Gone meanwhile.
		}
	}
	return children;
}
