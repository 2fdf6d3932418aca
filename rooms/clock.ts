/**
 * Time for rooms and connections. Production time is epoch milliseconds taken from the
 * monotonic clock anchored to the wall clock once, so a system clock step never moves a
 * scheduled instant (docs/protocol.md 1). Tests use ManualClock and advance time explicitly.
 */
/** Opaque: a number for ManualClock, the runtime's timer handle for SystemClock. */
export type TimerId = number | ReturnType<typeof setTimeout>;

export interface Clock {
  /** Milliseconds since the Unix epoch, never decreasing. */
  now(): number;
  setTimer(delayMs: number, fire: () => void): TimerId;
  clearTimer(id: TimerId): void;
  /** Timers set and not yet fired nor cleared (a gauge on /metrics: leaks show as growth). */
  readonly liveTimers?: number;
}

export class SystemClock implements Clock {
  readonly #anchor: number;
  /** Ids of the timers still to fire: a set, so clearing a fired or unknown id counts nothing. */
  readonly #live = new Set<TimerId>();

  /**
   * `skewMs` moves this clock away from the host's (CLOCK_SKEW_MS): a test aid that makes
   * instances on one machine disagree the way separate hosts do.
   */
  constructor(skewMs = 0) {
    this.#anchor = Date.now() - performance.now() + skewMs;
  }

  now(): number {
    return Math.floor(this.#anchor + performance.now());
  }

  setTimer(delayMs: number, fire: () => void): TimerId {
    const id = setTimeout(() => {
      this.#live.delete(id);
      fire();
    }, Math.max(0, delayMs));
    this.#live.add(id);
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#live.delete(id);
    clearTimeout(id as ReturnType<typeof setTimeout>);
  }

  get liveTimers(): number {
    return this.#live.size;
  }
}

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly fire: () => void;
}

/** A clock that moves only when told to; `advance` fires due timers in order of their instant. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: ManualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, fire: () => void): TimerId {
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + Math.max(0, delayMs), fire });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== id);
  }

  /** Timers not yet fired nor cleared. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  get liveTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.#timers) {
        // Equal instants fire in the order they were set (ids only grow).
        if (timer.due <= end && (!next || timer.due < next.due)) next = timer;
      }
      if (!next) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fire();
    }
    this.#now = end;
  }
}
