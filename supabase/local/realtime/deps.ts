import type { ApiConfig } from '../context.ts';
import type { Authorizer } from './authorization.ts';
import type { Hub, Member } from './hub.ts';
import type { RateCounter, RealtimeLimits } from './limits.ts';
import type { PresenceRegistry } from './presence.ts';

/** What sockets and channels share within one running Realtime service. */
export interface RealtimeDeps {
	readonly config: ApiConfig;
	readonly log: (message: string) => void;
	readonly hub: Hub;
	readonly presence: PresenceRegistry<Member>;
	readonly authorizer: Authorizer;
	readonly limits: RealtimeLimits;
	/** Project-wide rates, as Realtime counts them per tenant. */
	readonly joinRate: RateCounter;
	readonly presenceRate: RateCounter;
	/** Sockets that joined a channel (Realtime's UsersCounter), until they close. */
	readonly users: Set<object>;
	/** Resolves once the LISTEN connection is up, so a fresh subscriber misses no database broadcast. */
	readonly databaseReady: () => Promise<unknown>;
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
