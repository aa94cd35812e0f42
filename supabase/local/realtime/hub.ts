import type { Vsn } from './messages.ts';
import type { SharedFrame } from './serializer.ts';

/** What the hub needs of a joined channel. */
export interface Member {
	readonly subTopic: string;
	readonly isPrivate: boolean;
	readonly vsn: Vsn;
	/** `broadcast.self`: whether the sender gets its own broadcasts back. */
	readonly self: boolean;
	/** False on a private channel whose broadcast-read RLS check failed (§3.8). */
	receivesBroadcast(): boolean;
	receivesPresence(): boolean;
	write(data: string | Buffer): void;
}

/**
 * Which channels are joined to which topic. Public and private channels of the same name are
 * separate namespaces (`tenant:room` vs `tenant-private:room` in Realtime), hence the key.
 */
export const topicKey = (isPrivate: boolean, subTopic: string): string =>
	`${isPrivate ? 'private' : 'public'}:${subTopic}`;

export class Hub {
	readonly #topics = new Map<string, Set<Member>>();

	add(member: Member): void {
		const key = topicKey(member.isPrivate, member.subTopic);
		let members = this.#topics.get(key);
		if (!members) this.#topics.set(key, (members = new Set()));
		members.add(member);
	}

	remove(member: Member): void {
		const key = topicKey(member.isPrivate, member.subTopic);
		const members = this.#topics.get(key);
		if (!members?.delete(member)) return;
		if (members.size === 0) this.#topics.delete(key);
	}

	/** Fans a user broadcast out; `sender` (if any) gets it only with `self`. No batching: latency matters. */
	broadcast(isPrivate: boolean, subTopic: string, frame: SharedFrame, sender?: Member): number {
		let delivered = 0;
		for (const member of this.#topics.get(topicKey(isPrivate, subTopic)) ?? []) {
			if (member === sender && !member.self) continue;
			if (!member.receivesBroadcast()) continue;
			const data = frame.for(member.vsn);
			if (data === null) continue;
			member.write(data);
			delivered++;
		}
		return delivered;
	}

	presence(isPrivate: boolean, subTopic: string, frame: SharedFrame): void {
		for (const member of this.#topics.get(topicKey(isPrivate, subTopic)) ?? []) {
			if (!member.receivesPresence()) continue;
			const data = frame.for(member.vsn);
			if (data !== null) member.write(data);
		}
	}

	get size(): number {
		let n = 0;
		for (const members of this.#topics.values()) n += members.size;
		return n;
	}
}
