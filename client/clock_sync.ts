/**
 * Keeps the server's clock in view: pings on its own schedule (fast right after connecting,
 * slow once the estimate is good) and feeds each pong to the ClockEstimator. A new connection
 * starts afresh: it may be a new server with another time base.
 */
import { ClockEstimator, type ClockEstimatorOptions } from "./core/clock_estimator.ts";
import type { LocalClock } from "./ports.ts";

/** Marks our pings so pongs for other pings (a page's own) are not mistaken for ours. */
const PING_TAG = "owp-clock";

export class ClockSync {
  readonly #clock: LocalClock;
  readonly #send: (payload: object) => boolean;
  readonly estimator: ClockEstimator;
  #timer: number | null = null;
  #running = false;

  constructor(
    clock: LocalClock,
    send: (payload: object) => boolean,
    options: Partial<ClockEstimatorOptions> = {},
  ) {
    this.#clock = clock;
    this.#send = send;
    this.estimator = new ClockEstimator(options);
  }

  /** A connection opened: forget the old estimate, ping at once. */
  start(): void {
    this.stop();
    this.estimator.reset();
    this.#running = true;
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
    this.#send({ client_ts: this.#clock.now(), tag: PING_TAG });
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#ping();
    }, this.estimator.nextPingDelayMs());
  }
}
