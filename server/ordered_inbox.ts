/**
 * Frames of one connection, handled strictly in the order they arrived: while one frame's
 * handling awaits (a token check), the frames behind it wait here, up to a bound, and run in
 * order once it is done.
 */

/** Frames that may wait behind a token check; more than a second's budget is a flood anyway. */
export const MAX_WAITING_FRAMES = 64;

export interface InboxHandlers {
  /** Handles one frame; a promise holds the frames behind it until it settles. */
  handle(data: unknown): Promise<void> | void;
  /** Once per run of frames dropped because too many were waiting. */
  overflow(): void;
  /** A frame dropped because too many were waiting (for counting). */
  dropped(): void;
  /** Whether waiting frames should still run (false once the connection closed). */
  isOpen(): boolean;
  /** An awaited handling failed. */
  failed(error: unknown): void;
}

export class OrderedInbox {
  readonly #handlers: InboxHandlers;
  readonly #waiting: unknown[] = [];
  /** One overflow report per busy period, not one per dropped frame. */
  #overflowed = false;
  #busy = false;

  constructor(handlers: InboxHandlers) {
    this.#handlers = handlers;
  }

  receive(data: unknown): void {
    if (this.#busy) {
      if (this.#waiting.length < MAX_WAITING_FRAMES) {
        this.#waiting.push(data);
      } else {
        this.#handlers.dropped();
        if (!this.#overflowed) this.#handlers.overflow();
        this.#overflowed = true;
      }
      return;
    }
    const pending = this.#handlers.handle(data);
    if (pending) this.after(pending);
  }

  /** A handling already started elsewhere: frames received until it settles wait behind it. */
  after(pending: Promise<void>): void {
    void this.#drainAfter(pending);
  }

  /** Forgets the frames still waiting (the connection is gone). */
  clear(): void {
    this.#waiting.length = 0;
  }

  async #drainAfter(pending: Promise<void>): Promise<void> {
    this.#busy = true;
    try {
      await pending;
      while (this.#waiting.length > 0 && this.#handlers.isOpen()) {
        const next = this.#handlers.handle(this.#waiting.shift());
        if (next) await next;
      }
    } catch (error) {
      this.#handlers.failed(error);
    } finally {
      this.#busy = false;
      this.#waiting.length = 0;
      this.#overflowed = false;
    }
  }
}
