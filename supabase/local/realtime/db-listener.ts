import pg from 'pg';

/**
 * A dedicated connection doing `LISTEN <channel>` (LISTEN needs a session of its own, so it cannot
 * come from the pool). When Postgres dies or restarts, it reconnects with backoff, logging, and
 * never throws: notifications sent while it is down are lost, as with a dropped replication slot.
 */
export interface DbListener {
	/** Resolves true once LISTEN is active (now or within `timeoutMs`), false on timeout. */
	ready(timeoutMs: number): Promise<boolean>;
	close(): Promise<void>;
}

// Quick first retries for a restart; capped so a long outage costs one attempt every 5 s.
const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

export function startDbListener(
	url: string,
	channel: string,
	onNotify: (payload: string) => void,
	log: (message: string) => void,
): DbListener {
	let client: pg.Client | null = null;
	let listening = false;
	let closed = false;
	let attempt = 0;
	let retryTimer: NodeJS.Timeout | undefined;
	let waiters: (() => void)[] = [];

	function connect(): void {
		if (closed) return;
		const current = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true });
		client = current;
		const lost = (why: string) => {
			if (client !== current) return; // already handled (error and end both fire)
			client = null;
			listening = false;
			current.removeAllListeners('notification');
			current.end().catch(() => {});
			if (closed) return;
			const delay = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!;
			log(`realtime: LISTEN connection lost (${why}); reconnecting in ${delay} ms`);
			retryTimer = setTimeout(connect, delay);
			retryTimer.unref();
		};
		current.on('error', (err) => lost(err.message));
		current.on('end', () => lost('connection ended'));
		current.on('notification', (msg) => {
			if (msg.channel !== channel || msg.payload === undefined) return;
			try {
				onNotify(msg.payload);
			} catch (err) {
				log(`realtime: notification handler failed: ${err instanceof Error ? err.message : String(err)}`);
			}
		});
		current
			.connect()
			.then(() => current.query(`listen ${pg.escapeIdentifier(channel)}`))
			.then(() => {
				if (client !== current) return;
				if (attempt > 0) log('realtime: LISTEN connection re-established');
				attempt = 0;
				listening = true;
				for (const wake of waiters.splice(0)) wake();
			})
			.catch((err: unknown) => lost(err instanceof Error ? err.message : String(err)));
	}

	connect();

	return {
		ready(timeoutMs) {
			if (listening) return Promise.resolve(true);
			return new Promise<boolean>((resolve) => {
				const timer = setTimeout(() => {
					waiters = waiters.filter((w) => w !== wake);
					resolve(false);
				}, timeoutMs);
				const wake = () => {
					clearTimeout(timer);
					resolve(true);
				};
				waiters.push(wake);
			});
		},
		async close() {
			closed = true;
			clearTimeout(retryTimer);
			const current = client;
			client = null;
			listening = false;
			for (const wake of waiters.splice(0)) wake();
			await current?.end().catch(() => {});
		},
	};
}
