/**
 * What the server keeps per client address (see client_address.ts): how many connections it
 * has open, for MAX_CONNECTIONS_PER_IP, and its room-creation budget, shared by all its
 * connections so that reconnecting does not refill it. A connection holds a lease on its
 * address's record and gives it back exactly once, when it is gone, whatever closed it.
 *
 * A record with no connection left is dropped once its budget is full again (a clock timer,
 * cleared by `clear`): until then it still remembers what the address spent.
 */
import { PASSWORD_ATTEMPTS_PER_MINUTE, ROOM_CREATION_PERIOD_MS } from "../protocol/mod.ts";
import type { Clock, TimerId } from "../rooms/mod.ts";
import { TokenBucket } from "./token_bucket.ts";

export interface AddressLease {
  readonly address: string;
  /** Takes one room creation from the address's budget; false when it is spent. */
  allowRoomCreation(): boolean;
  /** Whether the address may try a room password now (its wrong guesses are budgeted). */
  mayTryPassword(): boolean;
  /** A wrong password: one less guess for the address this minute. */
  wrongPassword(): void;
  /** Gives the connection's place back; later calls do nothing. */
  release(): void;
}

interface AddressRecord {
  connections: number;
  readonly roomCreations: TokenBucket;
  readonly passwordGuesses: TokenBucket;
  /** Set while the record has no connection and waits for its budget to refill. */
  dropTimer: TimerId | null;
}

export class AddressBook {
  readonly #records = new Map<string, AddressRecord>();

  constructor(readonly clock: Clock, readonly roomCreationsPerMinute: number) {}

  /** Connections open from `address` now. */
  openConnections(address: string): number {
    return this.#records.get(address)?.connections ?? 0;
  }

  /** Addresses with a record: what the book costs in memory. */
  get size(): number {
    return this.#records.size;
  }

  acquire(address: string): AddressLease {
    let record = this.#records.get(address);
    if (!record) {
      record = {
        connections: 0,
        // The burst is a minute's worth: a budget per minute, spent at any pace within it.
        roomCreations: new TokenBucket(
          this.roomCreationsPerMinute,
          this.roomCreationsPerMinute,
          ROOM_CREATION_PERIOD_MS,
          this.clock.now(),
        ),
        passwordGuesses: new TokenBucket(
          PASSWORD_ATTEMPTS_PER_MINUTE,
          PASSWORD_ATTEMPTS_PER_MINUTE,
          ROOM_CREATION_PERIOD_MS,
          this.clock.now(),
        ),
        dropTimer: null,
      };
      this.#records.set(address, record);
    }
    if (record.dropTimer !== null) this.clock.clearTimer(record.dropTimer);
    record.dropTimer = null;
    record.connections++;
    return new Lease(this, address, record);
  }

  /** Forgets every address and its timer (the server is draining). */
  clear(): void {
    for (const record of this.#records.values()) {
      if (record.dropTimer !== null) this.clock.clearTimer(record.dropTimer);
    }
    this.#records.clear();
  }

  /** @internal A lease gives its place back (once). */
  release(address: string, record: AddressRecord): void {
    record.connections--;
    // A record from before clear() is no longer the book's.
    if (record.connections > 0 || this.#records.get(address) !== record) return;
    const now = this.clock.now();
    const untilFull = Math.max(
      record.roomCreations.msUntilFull(now),
      record.passwordGuesses.msUntilFull(now),
    );
    if (untilFull === 0) {
      this.#records.delete(address);
      return;
    }
    record.dropTimer = this.clock.setTimer(untilFull, () => {
      record.dropTimer = null;
      if (record.connections === 0 && this.#records.get(address) === record) {
        this.#records.delete(address);
      }
    });
  }
}

/**
 * One connection's place in its address's record. A small object with methods rather than four
 * closures: one lives as long as each connection does, so its size is paid per idle socket.
 */
class Lease implements AddressLease {
  #released = false;

  constructor(
    readonly book: AddressBook,
    readonly address: string,
    readonly record: AddressRecord,
  ) {}

  allowRoomCreation(): boolean {
    return this.record.roomCreations.take(this.book.clock.now());
  }

  mayTryPassword(): boolean {
    return this.record.passwordGuesses.level(this.book.clock.now()) >= 1;
  }

  wrongPassword(): void {
    this.record.passwordGuesses.take(this.book.clock.now());
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.book.release(this.address, this.record);
  }
}
