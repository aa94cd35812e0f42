import { randomBytes } from 'node:crypto';
import type { JsonObject, PresenceDiff, PresenceMeta, PresenceState } from './messages.ts';

/**
 * Presence per topic, as Phoenix.Tracker keeps it: each tracking channel contributes one meta
 * (the tracked payload plus a unique `phx_ref`) under its presence key (§3.5). Channels are
 * identified by object identity, so the registry needs nothing from them.
 */
export class PresenceRegistry<Owner extends object> {
	readonly #topics = new Map<string, Map<Owner, { key: string; meta: PresenceMeta; json: string }>>();
	// A per-server prefix keeps refs unique across restarts, where clients may still hold old ones.
	readonly #prefix = `F${randomBytes(4).toString('base64url')}`;
	#counter = 0;

	state(topicKey: string): PresenceState {
		const state: PresenceState = {};
		for (const { key, meta } of this.#topics.get(topicKey)?.values() ?? []) {
			(state[key] ??= { metas: [] }).metas.push(meta);
		}
		return state;
	}

	/** Tracks or updates `owner`'s payload; null when it is identical to what is tracked (a no-op). */
	track(topicKey: string, owner: Owner, key: string, payload: JsonObject): PresenceDiff | null {
		let entries = this.#topics.get(topicKey);
		if (!entries) this.#topics.set(topicKey, (entries = new Map()));
		const json = JSON.stringify(payload);
		const previous = entries.get(owner);
		if (previous && previous.key === key && previous.json === json) return null;
		const meta: PresenceMeta = { ...payload, phx_ref: this.#nextRef() };
		if (previous) meta.phx_ref_prev = previous.meta.phx_ref;
		entries.set(owner, { key, meta, json });
		return {
			joins: { [key]: { metas: [meta] } },
			leaves: previous ? { [previous.key]: { metas: [previous.meta] } } : {},
		};
	}

	/** Removes `owner`'s meta (untrack, leave, disconnect); null when it tracked nothing. */
	untrack(topicKey: string, owner: Owner): PresenceDiff | null {
		const entries = this.#topics.get(topicKey);
		const previous = entries?.get(owner);
		if (!entries || !previous) return null;
		entries.delete(owner);
		if (entries.size === 0) this.#topics.delete(topicKey);
		return { joins: {}, leaves: { [previous.key]: { metas: [previous.meta] } } };
	}

	/** Tracked metas across all topics. */
	get size(): number {
		let n = 0;
		for (const entries of this.#topics.values()) n += entries.size;
		return n;
	}

	#nextRef(): string {
		return `${this.#prefix}${(++this.#counter).toString(36)}`;
	}
}
