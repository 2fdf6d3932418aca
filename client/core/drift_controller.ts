/**
 * Keeps a member's player on the room's timeline while it plays. A drift (timeline − player,
 * seconds: positive = behind) inside a dead zone is left alone; beyond it the playback rate
 * leans toward the timeline in proportion to the drift, within bounds people do not hear as
 * pitch or see as jumps; a drift too large for that is a hard seek. Hysteresis: once
 * correcting, it keeps going until the drift is well inside the dead zone, so the rate does
 * not flap at the edge. After a seek, the player needs a moment before its position means
 * anything again.
 *
 * Right after a start or a seek the offset left is what the player's start-up latency varied by
 * (Chromium: sd 7–8 ms from start to start, which no prediction beats), so for a short window
 * the dead zone is a few ms and the gain closes the offset in about one check: a trim. Trims
 * and leans are meant to be applied without pitch preservation (Player.setRate): Chromium's
 * time-stretching sets the media clock back 25 ms each time it engages (bench/README.md), more
 * than a trim corrects. Pure: time comes in as arguments.
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
  /** After a start, judge only after this long (ms): the media runs for good by then. */
  readonly startSettleMs: number;
  /** For this long after a start or a seek's settle (ms), small offsets are trimmed. */
  readonly trimWindowMs: number;
  /** While trimming: correct beyond this (s), stop inside this (s). */
  readonly trimDeadZoneS: number;
  readonly trimSettleS: number;
  /** While trimming: rate change per second of drift (4 closes it in one 250 ms check). */
  readonly trimGainPerS: number;
  /** While trimming the rate stays within 1 ± this (a trim is short; it should not be heard). */
  readonly trimMaxRateChange: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = Object.freeze({
  deadZoneS: 0.015,
  settleS: 0.005,
  gainPerS: 2,
  maxRateChange: 0.1,
  hardSeekS: 0.5,
  seekSettleMs: 400,
  startSettleMs: 200,
  trimWindowMs: 1_500,
  trimDeadZoneS: 0.003,
  trimSettleS: 0.001,
  trimGainPerS: 4,
  trimMaxRateChange: 0.05,
});

export type DriftDecision =
  | { readonly kind: "rate"; readonly rate: number }
  | { readonly kind: "seek" }
  | { readonly kind: "wait" };

export class DriftController {
  readonly #options: DriftOptions;
  #correcting = false;
  #quietUntilMs = Number.NEGATIVE_INFINITY;
  #trimUntilMs = Number.NEGATIVE_INFINITY;

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
    const trimming = nowMs < this.#trimUntilMs;
    const deadZone = trimming ? o.trimDeadZoneS : o.deadZoneS;
    const settle = trimming ? o.trimSettleS : o.settleS;
    if (this.#correcting ? size < settle : size < deadZone) {
      this.#correcting = false;
      return { kind: "rate", rate: baseRate };
    }
    this.#correcting = true;
    const lean = Math.min(o.maxRateChange, size * o.gainPerS);
    // A trim is quick but gentle; a miss too large for it (a cold start) still gets the lean.
    const change = trimming
      ? Math.max(lean, Math.min(o.trimMaxRateChange, size * o.trimGainPerS))
      : lean;
    return { kind: "rate", rate: baseRate * (1 + Math.sign(driftS) * change) };
  }

  /** A seek happened (ours or anyone's): wait for the player to settle, then trim. */
  seeked(nowMs: number): void {
    this.#quiet(nowMs, this.#options.seekSettleMs);
  }

  /** The player was started: wait for its media to run, then trim. */
  started(nowMs: number): void {
    this.#quiet(nowMs, this.#options.startSettleMs);
  }

  #quiet(nowMs: number, settleMs: number): void {
    this.#correcting = false;
    this.#quietUntilMs = nowMs + settleMs;
    this.#trimUntilMs = this.#quietUntilMs + this.#options.trimWindowMs;
  }

  /** Playback stopped or the timeline changed: start afresh. */
  reset(): void {
    this.#correcting = false;
    this.#quietUntilMs = Number.NEGATIVE_INFINITY;
    this.#trimUntilMs = Number.NEGATIVE_INFINITY;
  }
}
