/**
 * Keys that run out, as Redis keys with a time to live do, on a given clock: the memory twins
 * of the Redis keys (store/memory_room_rules.ts, cluster/memory_bus.ts) keep their leases and
 * tombstones here, so a test that advances a manual clock sees them expire as Redis would.
 */
import type { Clock } from "../rooms/clock.ts";

interface Entry<T> {
  readonly value: T;
  /** On the clock; null: never (a key set without a time to live). */
  expiresAt: number | null;
}

export class ExpiringMap<T> {
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry<T>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The value, unless its time ran out (then it is gone, as in Redis). */
  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets `key`; with `ttlMs` it runs out then, without it never (SET with and without PX). */
  set(key: string, value: T, ttlMs?: number): void {
    const expiresAt = ttlMs === undefined ? null : this.#clock.now() + ttlMs;
    this.#entries.set(key, { value, expiresAt });
  }

  /** `key` (if there) runs out in `ttlMs` (PEXPIRE). */
  expire(key: string, ttlMs: number): void {
    if (this.get(key) === undefined) return;
    this.#entries.get(key)!.expiresAt = this.#clock.now() + ttlMs;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
