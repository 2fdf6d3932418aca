/**
 * One callback at an instant of the injected clock, however far away it is. A runtime timer
 * waits at most 2^31 - 1 ms (about 24.8 days) and fires at once when asked for longer, so a
 * far instant (a token valid for a month) is reached in steps instead.
 */
import type { Clock, TimerId } from "../rooms/mod.ts";

/** The longest delay setTimeout honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class DeadlineTimer {
  #timer: TimerId | null = null;

  constructor(readonly clock: Clock, readonly fire: () => void) {}

  get armed(): boolean {
    return this.#timer !== null;
  }

  /** Fires at `deadline` (at once when it has passed); replaces any earlier deadline. */
  set(deadline: number): void {
    this.clear();
    this.#schedule(deadline);
  }

  clear(): void {
    if (this.#timer !== null) this.clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #schedule(deadline: number): void {
    const delay = Math.min(Math.max(0, deadline - this.clock.now()), MAX_TIMER_DELAY_MS);
    this.#timer = this.clock.setTimer(delay, () => {
      this.#timer = null;
      if (this.clock.now() >= deadline) this.fire();
      else this.#schedule(deadline);
    });
  }
}
