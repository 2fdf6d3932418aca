/**
 * Reconnect delays: exponential from `baseMs`, capped at `maxMs`, with "full jitter" (a random
 * delay up to the exponential one) so that a server restart is not met by every client at the
 * same instant. Pure apart from the injected random source.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** The least delay, so a refused connection never spins. */
  readonly minMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  baseMs: 500,
  maxMs: 30_000,
  minMs: 100,
});

/** The delay before reconnect attempt `attempt` (0 = the first after a drop). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(options.minMs, Math.round(random() * ceiling));
}
