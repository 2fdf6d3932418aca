/**
 * The rules of kept rooms (store/shared_room_store.ts) played in memory: the twin of the Lua
 * scripts in store/redis_store.ts, step for step, on the same shapes of keys (a room's hash, its
 * lease, the set of kept rooms, the directory). Each rule is one synchronous function, so it is
 * one step as a script is for Redis. The cluster's memory bus (cluster/memory_bus.ts) keeps the
 * keys, and runs each rule only while the instance asking is in touch with it.
 */
import type { Clock } from "../rooms/clock.ts";
import { ExpiringMap } from "./expiring_map.ts";
import type { RawClaim, RoomRules } from "./shared_room_store.ts";

/** A room's hash (owp:room:<id>): its epoch, its record, or after a close, a tombstone. */
interface RoomHash {
  epoch: number | null;
  record: string | null;
  closed: boolean;
}

/** The keys, as Redis would hold them; `directory` is the cluster's (owp:rooms). */
export class MemoryRoomKeys {
  readonly rooms: ExpiringMap<RoomHash>;
  /** The holder's id; "" once released (and then never running out). */
  readonly leases: ExpiringMap<string>;
  readonly stored = new Set<string>();
  readonly secrets = new Map<string, string>();
  readonly directory = new Map<string, string>();

  constructor(clock: Clock) {
    this.rooms = new ExpiringMap(clock);
    this.leases = new ExpiringMap(clock);
  }

  /** Everything goes (a Redis restarted without persistence). */
  clear(): void {
    this.rooms.clear();
    this.leases.clear();
    this.stored.clear();
    this.secrets.clear();
    this.directory.clear();
  }
}

/** Runs one step where the keys are, or fails as a command does when the link is down. */
export type RunStep = <T>(step: () => T) => Promise<T>;

export class MemoryRoomRules implements RoomRules {
  readonly #keys: MemoryRoomKeys;
  readonly #run: RunStep;

  constructor(keys: MemoryRoomKeys, run: RunStep) {
    this.#keys = keys;
    this.#run = run;
  }

  claim(roomId: string, self: string, leaseMs: number): Promise<RawClaim> {
    return this.#run((): RawClaim => {
      const holder = this.#keys.leases.get(roomId);
      if (holder !== undefined && holder !== "" && holder !== self) {
        return { kind: "held", holder };
      }
      const hash = this.#keys.rooms.get(roomId);
      if (!hash || hash.record === null) return { kind: "missing" };
      hash.epoch = (hash.epoch ?? 0) + 1;
      this.#keys.leases.set(roomId, self, leaseMs);
      return { kind: "claimed", epoch: hash.epoch, record: hash.record };
    });
  }

  save(
    roomId: string,
    self: string,
    epoch: number,
    record: string,
    leaseMs: number,
  ): Promise<boolean> {
    return this.#run(() => {
      if (!this.#mayWrite(roomId, self, epoch)) return false;
      const hash = this.#keys.rooms.get(roomId);
      if (hash) Object.assign(hash, { epoch, record });
      else this.#keys.rooms.set(roomId, { epoch, record, closed: false });
      this.#keys.leases.set(roomId, self, leaseMs);
      this.#keys.stored.add(roomId);
      return true;
    });
  }

  renew(roomId: string, self: string, epoch: number, leaseMs: number): Promise<boolean> {
    return this.#run(() => {
      if (!this.#mayWrite(roomId, self, epoch)) return false;
      this.#keys.leases.set(roomId, self, leaseMs);
      return true;
    });
  }

  release(roomId: string, self: string, epoch: number): Promise<void> {
    return this.#run(() => {
      const hash = this.#keys.rooms.get(roomId);
      if (hash?.epoch === epoch && this.#keys.leases.get(roomId) === self) {
        this.#keys.leases.set(roomId, "");
      }
    });
  }

  remove(roomId: string, self: string, epoch: number, tombstoneMs: number): Promise<boolean> {
    return this.#run(() => {
      if (!this.#mayWrite(roomId, self, epoch)) return false;
      this.#keys.rooms.set(roomId, { epoch, record: null, closed: true }, tombstoneMs);
      this.#keys.leases.delete(roomId);
      this.#keys.stored.delete(roomId);
      return true;
    });
  }

  writeDirectory(
    roomId: string,
    self: string,
    epoch: number,
    entry: string | null,
  ): Promise<boolean> {
    return this.#run(() => {
      if (!this.#mayWrite(roomId, self, epoch)) return false;
      if (entry === null || entry === "") this.#keys.directory.delete(roomId);
      else this.#keys.directory.set(roomId, entry);
      return true;
    });
  }

  storedIds(): Promise<string[]> {
    return this.#run(() => [...this.#keys.stored]);
  }

  leaseHolders(roomIds: readonly string[]): Promise<(string | null)[]> {
    return this.#run(() => roomIds.map((id) => this.#keys.leases.get(id) ?? null));
  }

  secret(name: string, value: string): Promise<string | null> {
    return this.#run(() => {
      if (!this.#keys.secrets.has(name)) this.#keys.secrets.set(name, value);
      return this.#keys.secrets.get(name) ?? null;
    });
  }

  /**
   * MAY_WRITE: never a closed room; a room with an epoch, only at that epoch; one without (new,
   * or forgotten by a Redis restart), only while no one else holds its lease.
   */
  #mayWrite(roomId: string, self: string, epoch: number): boolean {
    const hash = this.#keys.rooms.get(roomId);
    if (hash?.closed) return false;
    if (hash && hash.epoch !== null) return hash.epoch === epoch;
    const holder = this.#keys.leases.get(roomId);
    return holder === undefined || holder === self || holder === "";
  }
}
