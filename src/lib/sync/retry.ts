// Retry timing for one trip: exponential backoff with jitter, and a circuit breaker that stops
// calling a server that keeps failing and says until when.
import { backoffDelay } from './plan';

export interface RetryOptions {
	baseMs: number;
	capMs: number;
	/** Consecutive failures that open the breaker. */
	breakerThreshold: number;
	/** How long an open breaker refuses to call. */
	breakerCooldownMs: number;
	random: () => number;
	now: () => number;
}

export const DEFAULT_RETRY: RetryOptions = {
	baseMs: 500,
	capMs: 30_000,
	breakerThreshold: 6,
	breakerCooldownMs: 60_000,
	random: Math.random,
	now: Date.now,
};

export class RetryState {
	#failures = 0;
	#openUntil = 0;
	readonly #o: RetryOptions;
	constructor(options: Partial<RetryOptions> = {}) {
		this.#o = { ...DEFAULT_RETRY, ...options };
	}
	get failures(): number {
		return this.#failures;
	}
	/** When the breaker is open, the time it closes; otherwise null. */
	get openUntil(): number | null {
		return this.#openUntil > this.#o.now() ? this.#openUntil : null;
	}
	succeeded(): void {
		this.#failures = 0;
		this.#openUntil = 0;
	}
	/** Records a retryable failure; returns the delay before the next attempt. */
	failed(): number {
		this.#failures++;
		if (this.#failures >= this.#o.breakerThreshold) {
			this.#openUntil = this.#o.now() + this.#o.breakerCooldownMs;
			return this.#o.breakerCooldownMs;
		}
		return backoffDelay(this.#failures - 1, this.#o.random(), this.#o.baseMs, this.#o.capMs);
	}
}
