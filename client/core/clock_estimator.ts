/**
 * How far the server's clock is from ours, from ping/pong samples (NTP's idea, kept small).
 * A sample sent at local `t0` and answered at local `t1` with the server's `serverTs` says the
 * server was at `serverTs` somewhere in [t0, t1]; assuming the middle, the offset is
 * `serverTs − (t0 + t1) / 2`, wrong by at most half the round trip (all of it in one direction).
 * So the samples with the lowest round trip are the truthful ones: the estimate is the median
 * offset of the best few recent samples, smoothed so one lucky sample does not jerk playback,
 * and its uncertainty is the half round trip of those samples plus their disagreement.
 * A clock step (ours or the server's, or a new server) shows as several good samples that
 * agree with each other and not with the estimate: then the estimate jumps instead of gliding.
 * Pure: time comes in as arguments.
 */

export interface ClockSample {
  /** Round trip, ms. */
  readonly rttMs: number;
  /** Server clock minus local clock, ms, assuming a symmetric path. */
  readonly offsetMs: number;
  /** Local time the answer arrived. */
  readonly atMs: number;
}

export interface ClockEstimate {
  /** Add to a local time to get the server's time. */
  readonly offsetMs: number;
  /** How wrong `offsetMs` may be, ms (half the best round trip plus the samples' spread). */
  readonly uncertaintyMs: number;
  /** Samples the estimate is built on (the window's). */
  readonly samples: number;
}

export interface ClockEstimatorOptions {
  /** Recent samples kept. */
  readonly window: number;
  /** Of those, the lowest-round-trip ones used. */
  readonly best: number;
  /** Share of the gap to a new measurement the estimate moves per sample (0..1]. */
  readonly smoothing: number;
  /** Ping this often until `warmupSamples` samples are in. */
  readonly warmupIntervalMs: number;
  readonly warmupSamples: number;
  /** Then this often while the uncertainty is above `stableUncertaintyMs`… */
  readonly unsettledIntervalMs: number;
  readonly stableUncertaintyMs: number;
  /** …and this often once it is below. */
  readonly stableIntervalMs: number;
  /** A disagreement this large (beyond the uncertainty) from good samples is a clock step. */
  readonly stepThresholdMs: number;
}

export const DEFAULT_CLOCK_OPTIONS: ClockEstimatorOptions = Object.freeze({
  window: 16,
  best: 4,
  smoothing: 0.35,
  warmupIntervalMs: 150,
  warmupSamples: 8,
  unsettledIntervalMs: 1_000,
  stableUncertaintyMs: 15,
  stableIntervalMs: 4_000,
  stepThresholdMs: 100,
});

export class ClockEstimator {
  readonly #options: ClockEstimatorOptions;
  #samples: ClockSample[] = [];
  #offsetMs: number | null = null;
  #lastRttMs: number | null = null;
  /** Consecutive measurements that disagreed with the estimate by more than a step. */
  #disagreeing = 0;

  constructor(options: Partial<ClockEstimatorOptions> = {}) {
    this.#options = { ...DEFAULT_CLOCK_OPTIONS, ...options };
  }

  /** One ping/pong: sent at local `sentMs`, answered with `serverTs`, received at `receivedMs`. */
  addSample(sentMs: number, serverTs: number, receivedMs: number): void {
    const rttMs = receivedMs - sentMs;
    if (!(rttMs >= 0) || !Number.isFinite(serverTs)) return;
    const sample = { rttMs, offsetMs: serverTs - (sentMs + receivedMs) / 2, atMs: receivedMs };
    this.#lastRttMs = rttMs;
    this.#samples.push(sample);
    if (this.#samples.length > this.#options.window) this.#samples.shift();
    this.#update(sample);
  }

  /** The round trip of the newest sample (what the room shows as this member's latency). */
  get lastRttMs(): number | null {
    return this.#lastRttMs;
  }

  /** Forget everything (a new connection may be a new server with another time base). */
  reset(): void {
    this.#samples = [];
    this.#offsetMs = null;
    this.#lastRttMs = null;
    this.#disagreeing = 0;
  }

  get estimate(): ClockEstimate | null {
    if (this.#offsetMs === null) return null;
    return {
      offsetMs: this.#offsetMs,
      uncertaintyMs: this.#uncertainty(this.#best()),
      samples: this.#samples.length,
    };
  }

  /** The server's time at local time `localMs`, or null before the first sample. */
  serverTime(localMs: number): number | null {
    return this.#offsetMs === null ? null : localMs + this.#offsetMs;
  }

  /** How long to wait before the next ping: fast at first, slow once the estimate is good. */
  nextPingDelayMs(): number {
    const o = this.#options;
    if (this.#samples.length < o.warmupSamples) return o.warmupIntervalMs;
    const estimate = this.estimate;
    if (!estimate || estimate.uncertaintyMs > o.stableUncertaintyMs) return o.unsettledIntervalMs;
    return o.stableIntervalMs;
  }

  /** The lowest-round-trip samples, leaving out the newest ones that contradict the estimate. */
  #best(): ClockSample[] {
    const trusted = this.#samples.slice(0, this.#samples.length - this.#disagreeing);
    return trusted.sort((a, b) => a.rttMs - b.rttMs).slice(0, this.#options.best);
  }

  #uncertainty(best: readonly ClockSample[]): number {
    if (best.length === 0) return Number.POSITIVE_INFINITY;
    const offsets = best.map((sample) => sample.offsetMs);
    const spread = Math.max(...offsets) - Math.min(...offsets);
    return best[0]!.rttMs / 2 + spread / 2;
  }

  #update(newest: ClockSample): void {
    if (this.#offsetMs === null) {
      this.#offsetMs = median(this.#best().map((sample) => sample.offsetMs));
      return;
    }
    // A sample's own round trip bounds its error: beyond that (and a margin) it contradicts
    // the estimate. Several in a row are a clock step, not bad luck.
    const surprise = Math.abs(newest.offsetMs - this.#offsetMs) - newest.rttMs / 2;
    if (surprise > this.#options.stepThresholdMs) {
      this.#disagreeing++;
      if (this.#disagreeing >= STEP_CONFIRMATIONS) this.#acceptStep();
      return;
    }
    this.#disagreeing = 0;
    // Samples from before a suspected step are not in the best set until confirmed.
    const measured = median(this.#best().map((sample) => sample.offsetMs));
    this.#offsetMs += (measured - this.#offsetMs) * this.#options.smoothing;
  }

  /** The clock stepped: keep only the samples since the step, and take their estimate. */
  #acceptStep(): void {
    this.#samples = this.#samples.slice(-this.#disagreeing);
    this.#disagreeing = 0;
    this.#offsetMs = median(this.#best().map((sample) => sample.offsetMs));
  }
}

/** Consecutive contradicting samples that make a clock step. */
const STEP_CONFIRMATIONS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
