import { createHash } from 'node:crypto';
import type { JsonObject } from './messages.ts';

/**
 * The join reply's `postgres_changes`: each requested binding echoed with a server-chosen integer
 * `id` (Realtime hashes the params too), in request order — realtime-js matches them by position.
 * Delivery of changes is not implemented by the local server; the echo lets clients subscribe.
 */
export function postgresChangesEcho(bindings: JsonObject[]): JsonObject[] {
	return bindings.map((binding) => {
		const params = JSON.stringify([binding.event, binding.schema, binding.table, binding.filter ?? null]);
		const id = createHash('sha1').update(params).digest().readUInt32BE(0) & 0x7fffffff;
		return { ...binding, id };
	});
}
