/**
 * The two Redis connections an instance holds: one for commands and publishing, one that only
 * subscribes (Redis puts a subscribing connection in a mode where it can do nothing else).
 * ioredis reconnects both on its own, resubscribes, and pipelines commands issued in the same
 * tick. Commands fail at once while Redis is away (no offline queue): a room command that cannot
 * reach its owner must be refused now, not delivered a minute late.
 */
import { Redis } from "ioredis";

export interface RedisLinkEvents {
  /** Both connections are (again) ready. */
  up(): void;
  /** One of them dropped. */
  down(): void;
  message(channel: string, text: string): void;
  /** A connection error worth a log line (repeats of the same one are not reported again). */
  problem(error: string): void;
}

/** How long to wait between reconnect attempts: quick at first, then every 2 s. */
const reconnectDelay = (attempt: number) => Math.min(100 * attempt, 2_000);

export class RedisLink {
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #events: RedisLinkEvents;
  #up = false;
  #closed = false;
  #lastProblem = "";

  constructor(url: string, channels: readonly string[], events: RedisLinkEvents) {
    this.#events = events;
    const options = {
      retryStrategy: reconnectDelay,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    };
    this.commands = new Redis(url, {
      ...options,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      connectionName: "owp-commands",
    });
    this.#subscriber = new Redis(url, { ...options, connectionName: "owp-subscriber" });
    for (const client of [this.commands, this.#subscriber]) {
      client.on("ready", () => this.#check());
      client.on("close", () => this.#check());
      client.on("error", (error: Error) => this.#problem(error.message));
    }
    this.#subscriber.on("message", (channel: string, text: string) => {
      if (!this.#closed) events.message(channel, text);
    });
    this.#subscriber.subscribe(...channels).catch((error: Error) => this.#problem(error.message));
  }

  /** Both connections ready: commands will be sent and messages received. */
  get up(): boolean {
    return this.#up;
  }

  /**
   * Publishes if Redis is there; false (nothing sent) when it is known not to be. A publish
   * that fails on the way (the connection dropped before we noticed) calls `failed`.
   */
  publish(channel: string, text: string, failed?: () => void): boolean {
    if (!this.#up) return false;
    this.commands.publish(channel, text).catch((error: Error) => {
      this.#problem(error.message);
      failed?.();
    });
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#up = false;
    await Promise.allSettled([this.commands.quit(), this.#subscriber.quit()]);
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }

  #check(): void {
    if (this.#closed) return;
    const up = this.commands.status === "ready" && this.#subscriber.status === "ready";
    if (up === this.#up) return;
    this.#up = up;
    if (up) {
      this.#lastProblem = "";
      this.#events.up();
    } else this.#events.down();
  }

  #problem(message: string): void {
    if (this.#closed || message === this.#lastProblem) return;
    this.#lastProblem = message;
    this.#events.problem(message);
  }
}
