/**
 * A WebSocket that comes back: after any close it reconnects with capped exponential backoff
 * and jitter (client/core/backoff.ts) until stopped. Each (re)open is reported, so the layers
 * above re-authenticate and re-join; frames are JSON objects in, JSON objects out.
 */
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./core/backoff.ts";
import type { ClientSocket, LocalClock, SocketFactory } from "./ports.ts";

/** The close code of a server that restarts and keeps its rooms. */
const SERVICE_RESTART = 1012;
/** Quick, jittered tries while a restarting server comes back (a few seconds). */
const RESTART_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 250, maxMs: 2_000, minMs: 100 });

export type ConnectionState = "connecting" | "open" | "reconnecting" | "stopped";

export interface ConnectionOptions {
  readonly url: string;
  readonly clock: LocalClock;
  readonly openSocket: SocketFactory;
  readonly random?: () => number;
  readonly backoff?: BackoffOptions;
  onOpen(): void;
  onMessage(message: unknown): void;
  onState(state: ConnectionState, detail: { code?: number; retryInMs?: number }): void;
}

export class Connection {
  readonly #options: ConnectionOptions;
  #socket: ClientSocket | null = null;
  #state: ConnectionState = "stopped";
  #attempt = 0;
  #retryTimer: number | null = null;
  /** The server said it restarts (1012): reconnect quickly until it is back. */
  #restarting = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (this.#state !== "stopped") return;
    this.#open();
  }

  /** Sends one message; false when there is no open socket (it is not queued). */
  send(message: object): boolean {
    if (this.#state !== "open" || !this.#socket) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** A successful session (hello received): the next drop starts the backoff afresh. */
  resetBackoff(): void {
    this.#attempt = 0;
    this.#restarting = false;
  }

  stop(): void {
    this.#setState("stopped", {});
    if (this.#retryTimer !== null) this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, "client stopped");
  }

  #open(): void {
    this.#setState(this.#attempt === 0 ? "connecting" : "reconnecting", {});
    let socket: ClientSocket | null = null;
    const isCurrent = () => this.#socket === socket && socket !== null;
    socket = this.#options.openSocket(this.#options.url, {
      onOpen: () => {
        if (!isCurrent()) return;
        this.#setState("open", {});
        this.#options.onOpen();
      },
      onMessage: (text) => {
        if (!isCurrent()) return;
        let message: unknown;
        try {
          message = JSON.parse(text);
        } catch {
          return; // the server only sends JSON; anything else is not ours to act on
        }
        this.#options.onMessage(message);
      },
      onClose: (code) => {
        if (!isCurrent()) return;
        this.#socket = null;
        this.#scheduleRetry(code);
      },
    });
    this.#socket = socket;
  }

  #scheduleRetry(code: number): void {
    if (this.#state === "stopped") return;
    // 1012: the server restarts and keeps its rooms; it is back in a moment, so tries come
    // quickly (still jittered) until it is, instead of backing off for the long haul.
    if (code === SERVICE_RESTART) this.#restarting = true;
    const delay = backoffDelay(
      this.#attempt++,
      this.#options.random ?? Math.random,
      this.#restarting ? RESTART_BACKOFF : this.#options.backoff ?? DEFAULT_BACKOFF,
    );
    this.#setState("reconnecting", { code, retryInMs: delay });
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state !== "stopped") this.#open();
    }, delay);
  }

  #setState(state: ConnectionState, detail: { code?: number; retryInMs?: number }): void {
    this.#state = state;
    this.#options.onState(state, detail);
  }
}
