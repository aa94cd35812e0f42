import type { StackContext } from '../context.ts';
import { withClient } from '../db.ts';
import { startDbListener } from './db-listener.ts';
import { errorMessage } from './deps.ts';
import type { Hub } from './hub.ts';
import { isJsonObject, type BroadcastBody } from './messages.ts';
import { maintainPartitions } from './partitions.ts';
import { SharedFrame } from './serializer.ts';

/**
 * Broadcast from Database (§4): `realtime.notify_local_api` NOTIFYs each committed
 * `realtime.messages` broadcast row (NOTIFY is delivered at commit, so rolled-back sends and
 * authorization probes never arrive); this fans them out like Realtime's replication connection.
 */
export interface DbDelivery {
	ready(timeoutMs: number): Promise<boolean>;
	close(): Promise<void>;
}

const NOTIFY_CHANNEL = 'realtime_messages';
// Partitions reach days ahead, so hourly upkeep (and one at start) always has a margin.
const HOUSEKEEPING_INTERVAL_MS = 60 * 60_000;

interface Row {
	id: string;
	topic: string;
	event: string;
	private: boolean;
	body: BroadcastBody;
}

export function startDbDelivery(ctx: StackContext, hub: Hub): DbDelivery {
	const publish = (row: Row): void =>
		void hub.broadcast(
			row.private,
			row.topic,
			SharedFrame.broadcast(`realtime:${row.topic}`, row.event, row.body, { id: row.id }),
		);

	async function onNotify(text: string): Promise<void> {
		const note: unknown = JSON.parse(text);
		if (!isJsonObject(note) || typeof note.id !== 'string')
			throw new Error(`unexpected notification ${text.slice(0, 200)}`);
		if (typeof note.topic === 'string' && typeof note.event === 'string') {
			// Realtime skips rows with a NULL payload; so do we.
			if (note.payload === null || note.payload === undefined) return;
			const bytes = Buffer.from(JSON.stringify(note.payload));
			return publish({
				id: note.id,
				topic: note.topic,
				event: note.event,
				private: note.private === true,
				body: { kind: 'json', bytes },
			});
		}
		// Large (or binary) rows are announced by id only.
		const { rows } = await ctx.pool.query<{
			topic: string;
			event: string | null;
			private: boolean | null;
			payload: unknown;
			binary_payload: Buffer | null;
		}>('select topic, event, private, payload, binary_payload from realtime.messages where id = $1', [note.id]);
		const row = rows[0];
		if (!row || row.event === null) return;
		const body: BroadcastBody | null = row.binary_payload
			? { kind: 'binary', bytes: row.binary_payload }
			: row.payload === null
				? null
				: { kind: 'json', bytes: Buffer.from(JSON.stringify(row.payload)) };
		if (body) publish({ id: note.id, topic: row.topic, event: row.event, private: row.private === true, body });
	}

	const listener = startDbListener(
		ctx.databaseUrl,
		NOTIFY_CHANNEL,
		(text) =>
			void onNotify(text).catch((err: unknown) =>
				ctx.log(`realtime: database broadcast not delivered: ${errorMessage(err)}`),
			),
		ctx.log,
	);
	const upkeep = () =>
		void withClient(ctx.pool, (client) => maintainPartitions(client)).catch((err: unknown) =>
			ctx.log(`realtime: partition maintenance failed: ${errorMessage(err)}`),
		);
	upkeep();
	const housekeeping = setInterval(upkeep, HOUSEKEEPING_INTERVAL_MS);
	housekeeping.unref();

	return {
		ready: (timeoutMs) => listener.ready(timeoutMs),
		async close() {
			clearInterval(housekeeping);
			await listener.close();
		},
	};
}
