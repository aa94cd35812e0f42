/**
 * `npm run stack`: the embedded Supabase in the foreground. Prints the `supabase status -o env`
 * variables when ready; Ctrl-C, SIGTERM, or the end of the npm (or shell) that started it stops
 * everything it started, Postgres included.
 */
import { survivePipeLoss, watchForOrphaning } from './orphan.ts';
import { startStack, type Stack } from './stack.ts';

const verbose = process.env.STACK_VERBOSE === '1';

export async function runStackCli(): Promise<void> {
	// Handlers go in first: a signal during start-up must still stop whatever has started.
	const starting = startStack({ log: verbose ? (line) => console.error(`[postgres] ${line}`) : undefined });
	stopOnSignals(() =>
		starting.then(
			(stack) => stack.stop(),
			() => {},
		),
	);
	let stack: Stack;
	try {
		stack = await starting;
	} catch (err) {
		console.error(`Could not start the local stack: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(1);
	}
	for (const [name, value] of Object.entries(stack.env())) console.log(`${name}=${value}`);
	console.error(
		`Local Supabase ready${stack.postgres ? ` (data in ${stack.postgres.dataDir})` : ' (external DATABASE_URL)'}. Ctrl-C stops it.`,
	);
}

/**
 * First signal: orderly stop, then exit. Second signal: exit at once. Losing the parent (npm got
 * SIGTERM and the shell between died of it) counts as a first signal.
 */
export function stopOnSignals(stop: () => Promise<void>): void {
	let stopping = false;
	survivePipeLoss();
	const onSignal = (signal: NodeJS.Signals | 'parent exited') => {
		if (stopping) process.exit(130);
		stopping = true;
		console.error(`\n${signal}: stopping…`);
		stop().then(
			() => process.exit(0),
			(err: unknown) => {
				console.error(`Stopping failed: ${err instanceof Error ? err.message : String(err)}`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	watchForOrphaning(() => onSignal('parent exited'));
}

await runStackCli();
