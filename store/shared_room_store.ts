/**
 * Rooms kept where several instances reach them (Redis; in tests, the cluster's memory bus).
 * One instance at a time owns a room: it holds the room's lease (which runs out unless renewed,
 * with the instance's heartbeat) and the room's epoch, a number that rises each time the room
 * changes hands. Every write names the writer's epoch and is refused when it is not the room's:
 * an owner that stalled past its lease (a long pause, a partition) and wakes up after another
 * instance adopted the room cannot overwrite it.
 *
 * The rules themselves (RoomRules) are each one step where the rooms are kept: a Lua script in
 * Redis (store/redis_store.ts), a synchronous function in memory (store/memory_room_rules.ts).
 * This class is what both share: the epochs this instance holds its rooms at, and telling the
 * cluster when a write was refused.
 */
import type { RoomStore } from "./room_store.ts";

/** A closed room's tombstone stays this long: a stale owner cannot bring the room back. */
export const CLOSED_ROOM_TOMBSTONE_MS = 24 * 60 * 60 * 1_000;

/** What a claim found. */
export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly epoch: number; readonly record: unknown }
  /** Another instance holds the room's lease. */
  | { readonly kind: "held"; readonly holder: string }
  /** Nothing is kept of that room (never saved, or closed). */
  | { readonly kind: "missing" };

/** A claim as the rules answer it: the record still as its text. */
export type RawClaim =
  | { readonly kind: "claimed"; readonly epoch: number; readonly record: string }
  | { readonly kind: "held"; readonly holder: string }
  | { readonly kind: "missing" };

/**
 * The rules of a kept room, each one atomic step. `self` is the writer's instance id, `epoch`
 * the epoch it believes it holds the room at; a write it may not make answers false.
 */
export interface RoomRules {
  /** Takes the room unless someone else holds its lease: its epoch rises. */
  claim(roomId: string, self: string, leaseMs: number): Promise<RawClaim>;
  /** Writes the record, renews the lease and lists the room as kept. */
  save(
    roomId: string,
    self: string,
    epoch: number,
    record: string,
    leaseMs: number,
  ): Promise<boolean>;
  renew(roomId: string, self: string, epoch: number, leaseMs: number): Promise<boolean>;
  /** The lease, emptied (and no longer running out): anyone may claim the room at once. */
  release(roomId: string, self: string, epoch: number): Promise<void>;
  /** The record goes; a tombstone stays `tombstoneMs` so no stale owner writes it again. */
  remove(roomId: string, self: string, epoch: number, tombstoneMs: number): Promise<boolean>;
  /** The room's directory entry written (null: removed), by its owner only. */
  writeDirectory(
    roomId: string,
    self: string,
    epoch: number,
    entry: string | null,
  ): Promise<boolean>;
  /** Every kept room's id. */
  storedIds(): Promise<string[]>;
  /** Each room's lease holder: null when its lease ran out, "" when it was released. */
  leaseHolders(roomIds: readonly string[]): Promise<(string | null)[]>;
  /** The secret named `name`, set to `value` unless one is kept already. */
  secret(name: string, value: string): Promise<string | null>;
}

export interface SharedRoomStoreOptions {
  /** This instance's id: the lease holder's name. */
  readonly self: string;
  readonly leaseMs: number;
  /** A write was refused: another instance owns `roomId` now (this one must let it go). */
  readonly lost?: (roomId: string) => void;
}

export class SharedRoomStore implements RoomStore {
  readonly durable = true;
  readonly #rules: RoomRules;
  readonly #self: string;
  readonly #leaseMs: number;
  /** The epoch at which this instance owns each of its rooms. */
  readonly #epochs = new Map<string, number>();
  #lost: (roomId: string) => void;

  constructor(rules: RoomRules, options: SharedRoomStoreOptions) {
    this.#rules = rules;
    this.#self = options.self;
    this.#leaseMs = options.leaseMs;
    this.#lost = options.lost ?? (() => {});
  }

  /** Who to tell when a write is refused (set by the cluster once it exists). */
  onLost(lost: (roomId: string) => void): void {
    this.#lost = lost;
  }

  /** The epoch this instance holds `roomId` at (a room of its own never saved: 1). */
  epochOf(roomId: string): number {
    return this.#epochs.get(roomId) ?? 1;
  }

  /** Rooms are adopted by claims, not loaded at start (the cluster claims what is free). */
  loadRooms(): Promise<{ records: unknown[]; unreadable: string[] }> {
    return Promise.resolve({ records: [], unreadable: [] });
  }

  /** Every kept room's id. */
  storedIds(): Promise<string[]> {
    return this.#rules.storedIds();
  }

  /**
   * The kept rooms no instance holds: `released` when their owner let them go (a clean stop),
   * otherwise their lease ran out (an owner that died, or was cut off from Redis).
   */
  async freeRooms(): Promise<{ id: string; released: boolean }[]> {
    const ids = await this.storedIds();
    const free: { id: string; released: boolean }[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500);
      const holders = await this.#rules.leaseHolders(chunk);
      chunk.forEach((id, i) => {
        const holder = holders[i];
        if (holder === null || holder === "") free.push({ id, released: holder === "" });
      });
    }
    return free;
  }

  /**
   * Takes `roomId` if no one holds its lease: the epoch rises (the previous owner's writes are
   * refused from now on) and the record comes back to be restored here.
   */
  async claim(roomId: string): Promise<ClaimOutcome> {
    const outcome = await this.#rules.claim(roomId, this.#self, this.#leaseMs);
    if (outcome.kind !== "claimed") return outcome;
    let record: unknown;
    try {
      record = JSON.parse(outcome.record);
    } catch {
      record = null;
    }
    this.#epochs.set(roomId, outcome.epoch);
    return { kind: "claimed", epoch: outcome.epoch, record };
  }

  async saveRoom(roomId: string, record: unknown): Promise<void> {
    const epoch = this.epochOf(roomId);
    const text = JSON.stringify(record);
    const written = await this.#rules.save(roomId, this.#self, epoch, text, this.#leaseMs);
    if (!written) this.#refused(roomId);
    else this.#epochs.set(roomId, epoch);
  }

  /** Renews the lease of `roomId`; false (and `lost` told) when the room is no longer ours. */
  async renew(roomId: string): Promise<boolean> {
    const renewed = await this.#rules.renew(
      roomId,
      this.#self,
      this.epochOf(roomId),
      this.#leaseMs,
    );
    if (renewed) return true;
    this.#refused(roomId);
    return false;
  }

  /** Lets `roomId` go without closing it: another instance may claim it at once. */
  async release(roomId: string): Promise<void> {
    await this.#rules.release(roomId, this.#self, this.epochOf(roomId));
    this.#epochs.delete(roomId);
  }

  async removeRoom(roomId: string): Promise<void> {
    const epoch = this.epochOf(roomId);
    const removed = await this.#rules.remove(
      roomId,
      this.#self,
      epoch,
      CLOSED_ROOM_TOMBSTONE_MS,
    );
    this.#epochs.delete(roomId);
    if (!removed) this.#lost(roomId);
  }

  /**
   * Writes `roomId`'s directory entry (null: removes it), only while the room is ours: a stale
   * owner's entry never replaces the new owner's.
   */
  writeDirectory(roomId: string, entry: string | null): Promise<boolean> {
    return this.#rules.writeDirectory(roomId, this.#self, this.epochOf(roomId), entry);
  }

  /** Forgets `roomId` here (it was let go, or lost). */
  forget(roomId: string): void {
    this.#epochs.delete(roomId);
  }

  async secret(name: string, make: () => string): Promise<string> {
    // Made once: the value offered is the one used if the store cannot say (never a second,
    // unstored one, which no other instance would know).
    const offered = make();
    return (await this.#rules.secret(name, offered)) ?? offered;
  }

  #refused(roomId: string): void {
    this.#epochs.delete(roomId);
    this.#lost(roomId);
  }
}
