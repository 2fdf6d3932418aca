/**
 * A simulated network path on a ManualClock: each direction has its own one-way delay (a
 * base plus seeded jitter) and keeps order, as one TCP connection does (a frame is never
 * delivered before the one sent ahead of it).
 */
import type { ManualClock } from "../../../rooms/clock.ts";

export interface PathProfile {
  /** Client → server, ms. */
  readonly upMs: number;
  /** Server → client, ms. */
  readonly downMs: number;
  /** Each frame's delay varies by up to ± this (uniform), ms. */
  readonly jitterMs: number;
}

export const LOOPBACK: PathProfile = { upMs: 0.2, downMs: 0.2, jitterMs: 0.1 };

/** One direction of a path: delivers in order, after base ± jitter. */
export class Lane {
  #lastDelivery = Number.NEGATIVE_INFINITY;

  constructor(
    readonly clock: ManualClock,
    readonly baseMs: number,
    readonly jitterMs: number,
    readonly random: () => number,
  ) {}

  send(deliver: () => void): void {
    const delay = Math.max(0, this.baseMs + (this.random() * 2 - 1) * this.jitterMs);
    // In order: never before the previous frame on this lane.
    const at = Math.max(this.clock.now() + delay, this.#lastDelivery);
    this.#lastDelivery = at;
    this.clock.setTimer(at - this.clock.now(), deliver);
  }
}
