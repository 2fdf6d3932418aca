/**
 * Keeps the server's clock in view: pings on its own schedule (fast right after connecting,
 * slow once the estimate is good) and feeds each pong to the ClockEstimator. A reconnection
 * keeps the estimate (a resumed session must not lose its clock) and refreshes it with a quick
 * burst of pings; a new server with another time base shows as a clock step, which the
 * estimator follows.
 */
import { ClockEstimator, type ClockEstimatorOptions } from "./core/clock_estimator.ts";
import type { LocalClock } from "./ports.ts";

/** Marks our pings so pongs for other pings (a page's own) are not mistaken for ours. */
const PING_TAG = "owp-clock";
/** After a (re)connection: this many pings this far apart, then the estimator's pace. */
const RECONNECT_BURST = 4;
const BURST_INTERVAL_MS = 150;

export class ClockSync {
  readonly #clock: LocalClock;
  readonly #send: (payload: object) => boolean;
  readonly estimator: ClockEstimator;
  #timer: number | null = null;
  #running = false;
  /** Quick pings still to send after a (re)connection. */
  #burst = 0;

  constructor(
    clock: LocalClock,
    send: (payload: object) => boolean,
    options: Partial<ClockEstimatorOptions> = {},
  ) {
    this.#clock = clock;
    this.#send = send;
    this.estimator = new ClockEstimator(options);
  }

  /** A connection opened: ping at once, then a few more quickly. */
  start(): void {
    this.stop();
    this.#running = true;
    this.#burst = RECONNECT_BURST;
    this.#ping();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A pong arrived; true when it answered one of ours. */
  pong(payload: unknown, serverTs: number): boolean {
    const fields = payload as { client_ts?: unknown; tag?: unknown } | null;
    if (fields?.tag !== PING_TAG || typeof fields.client_ts !== "number") return false;
    this.estimator.addSample(fields.client_ts, serverTs, this.#clock.now());
    return true;
  }

  /** The server's time now, or null until the first pong. */
  serverNow(): number | null {
    return this.estimator.serverTime(this.#clock.now());
  }

  #ping(): void {
    if (!this.#running) return;
    // The last round trip rides along: the room shows it as this member's latency.
    const rtt = this.estimator.lastRttMs;
    this.#send({
      client_ts: this.#clock.now(),
      tag: PING_TAG,
      ...(rtt === null ? {} : { rtt_ms: Math.round(rtt) }),
    });
    const delay = this.#burst > 0 ? BURST_INTERVAL_MS : this.estimator.nextPingDelayMs();
    if (this.#burst > 0) this.#burst--;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#ping();
    }, delay);
  }
}
