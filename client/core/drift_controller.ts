/**
 * Keeps a member's player on the room's timeline while it plays. A drift (timeline − player,
 * seconds: positive = behind) inside a dead zone is left alone; beyond it the playback rate
 * leans toward the timeline in proportion to the drift, within bounds people do not hear as
 * pitch or see as jumps; a drift too large for that is a hard seek. Hysteresis: once
 * correcting, it keeps going until the drift is well inside the dead zone, so the rate does
 * not flap at the edge. After a seek, the player needs a moment before its position means
 * anything again. Pure: time comes in as arguments.
 */
export interface DriftOptions {
  /** Start correcting beyond this drift (s). */
  readonly deadZoneS: number;
  /** Stop correcting inside this drift (s). */
  readonly settleS: number;
  /** Rate change per second of drift: 2 closes a gap with a half-life of about 0.35 s. */
  readonly gainPerS: number;
  /** The rate stays within 1 ± this. */
  readonly maxRateChange: number;
  /** Beyond this drift (s), seek instead of leaning. */
  readonly hardSeekS: number;
  /** After a seek, judge again only after this long (ms). */
  readonly seekSettleMs: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = Object.freeze({
  deadZoneS: 0.015,
  settleS: 0.005,
  gainPerS: 2,
  maxRateChange: 0.1,
  hardSeekS: 0.5,
  seekSettleMs: 400,
});

export type DriftDecision =
  | { readonly kind: "rate"; readonly rate: number }
  | { readonly kind: "seek" }
  | { readonly kind: "wait" };

export class DriftController {
  readonly #options: DriftOptions;
  #correcting = false;
  #quietUntilMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<DriftOptions> = {}) {
    this.#options = { ...DEFAULT_DRIFT_OPTIONS, ...options };
  }

  /** What to do about `driftS` measured at local `nowMs`; `baseRate` is the room's rate. */
  decide(driftS: number, nowMs: number, baseRate = 1): DriftDecision {
    const o = this.#options;
    if (nowMs < this.#quietUntilMs) return { kind: "wait" };
    const size = Math.abs(driftS);
    if (size > o.hardSeekS) {
      this.seeked(nowMs);
      return { kind: "seek" };
    }
    if (this.#correcting ? size < o.settleS : size < o.deadZoneS) {
      this.#correcting = false;
      return { kind: "rate", rate: baseRate };
    }
    this.#correcting = true;
    const change = Math.max(-o.maxRateChange, Math.min(o.maxRateChange, driftS * o.gainPerS));
    return { kind: "rate", rate: baseRate * (1 + change) };
  }

  /** A seek happened (ours or anyone's): wait for the player to settle before judging. */
  seeked(nowMs: number): void {
    this.#correcting = false;
    this.#quietUntilMs = nowMs + this.#options.seekSettleMs;
  }

  /** Playback stopped or the timeline changed: start afresh. */
  reset(): void {
    this.#correcting = false;
    this.#quietUntilMs = Number.NEGATIVE_INFINITY;
  }
}
