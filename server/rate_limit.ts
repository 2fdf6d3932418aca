/**
 * A fixed one-second window per connection: cheap (two numbers, no timers, no allocation per
 * message) and exact enough for "30 messages a second". The first excess frame in a window is
 * reported so the client gets one error per window, not one per dropped frame.
 */
export type RateVerdict = "allow" | "drop_first" | "drop";

export class WindowRateLimiter {
  #windowStart = Number.NEGATIVE_INFINITY;
  #count = 0;
  /** When the current unbroken run of over-budget windows began, or null. */
  #floodStart: number | null = null;
  #lastDropTs = Number.NEGATIVE_INFINITY;

  constructor(readonly limit: number, readonly windowMs = 1_000) {}

  take(now: number): RateVerdict {
    if (now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    this.#count++;
    if (this.#count <= this.limit) return "allow";
    // A whole window without a drop ends a flood.
    if (this.#floodStart === null || now - this.#lastDropTs > this.windowMs) this.#floodStart = now;
    this.#lastDropTs = now;
    return this.#count === this.limit + 1 ? "drop_first" : "drop";
  }

  /** How long this connection has been over budget without a break (0 when it is not). */
  floodingFor(now: number): number {
    if (this.#floodStart === null || now - this.#lastDropTs > this.windowMs) return 0;
    return now - this.#floodStart;
  }
}
