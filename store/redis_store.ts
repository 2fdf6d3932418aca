/**
 * Rooms kept in Redis for several instances (REDIS_URL): each room's record, and who may write
 * it. One instance at a time owns a room: it holds the room's lease (a key that expires unless
 * renewed, renewed with the instance's heartbeat) and the room's epoch, a number that rises each
 * time the room changes hands. Every write names the writer's epoch and is refused when it is
 * not the room's: an owner that stalled past its lease (a long pause, a partition) and wakes up
 * after another instance adopted the room cannot overwrite it. Each rule runs as one Lua
 * script, so a check and its write are one step for Redis.
 *
 *   owp:room:<id>        hash: epoch, record (JSON); after a close: epoch, closed (a tombstone)
 *   owp:roomlease:<id>   the owner's instance id, expiring after the lease; empty (and not
 *                        expiring) once its owner let it go on a clean stop
 *   owp:stored           the ids of every kept room (what a starting instance looks through)
 *   owp:secrets          hash of secrets shared by the instances (the resume tokens' key)
 */
import type { Redis } from "ioredis";
import type { RoomStore } from "./room_store.ts";

/** A closed room's tombstone stays this long: a stale owner cannot bring the room back. */
export const CLOSED_ROOM_TOMBSTONE_MS = 24 * 60 * 60 * 1_000;

const DEFAULT_PREFIX = "owp:";

/** What a claim found. */
export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly epoch: number; readonly record: unknown }
  /** Another instance holds the room's lease. */
  | { readonly kind: "held"; readonly holder: string }
  /** Nothing is kept of that room (never saved, or closed). */
  | { readonly kind: "missing" };

// Each script takes the room's hash and lease keys first. An absent epoch is a room never saved
// (a new one, epoch 1) or one a Redis without persistence forgot on its restart: written again
// by its owner, and only while no one else holds its lease.
const CLAIM = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= '' and holder ~= ARGV[1] then return {0, holder} end
local record = redis.call('HGET', KEYS[1], 'record')
if not record then return {-1, ''} end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {epoch, record}`;

const MAY_WRITE = `
local function mayWrite(self, epoch)
  if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return false end
  local current = redis.call('HGET', KEYS[1], 'epoch')
  if current then return current == epoch end
  local holder = redis.call('GET', KEYS[2])
  return not holder or holder == self or holder == ''
end`;

const SAVE = `${MAY_WRITE}
if not mayWrite(ARGV[1], ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'record', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[5])
return 1`;

const RENEW = `${MAY_WRITE}
if not mayWrite(ARGV[1], ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return 1`;

/** A released lease is an empty holder that does not expire: anyone may claim it at once. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] and redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[2], '')
end
return 1`;

const REMOVE = `${MAY_WRITE}
if not mayWrite(ARGV[1], ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'record')
redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'closed', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[4])
return 1`;

/** A directory write (set or, with no record, delete) by the room's owner only. */
const DIRECTORY = `${MAY_WRITE}
if not mayWrite(ARGV[1], ARGV[2]) then return 0 end
if ARGV[4] == '' then redis.call('HDEL', KEYS[3], ARGV[3])
else redis.call('HSET', KEYS[3], ARGV[3], ARGV[4]) end
return 1`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

interface Scripts {
  owpClaim: Script;
  owpSave: Script;
  owpRenew: Script;
  owpRelease: Script;
  owpRemove: Script;
  owpDirectory: Script;
}

export interface RedisRoomStoreOptions {
  readonly redis: Redis;
  /** This instance's id: the lease holder's name. */
  readonly self: string;
  readonly leaseMs: number;
  readonly prefix?: string;
  /** A write was refused: another instance owns `roomId` now (this one must let it go). */
  readonly lost?: (roomId: string) => void;
}

export class RedisRoomStore implements RoomStore {
  readonly durable = true;
  readonly #options: RedisRoomStoreOptions;
  readonly #scripts: Scripts;
  readonly #prefix: string;
  /** The epoch at which this instance owns each of its rooms. */
  readonly #epochs = new Map<string, number>();
  #lost: (roomId: string) => void;

  constructor(options: RedisRoomStoreOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#lost = options.lost ?? (() => {});
    const redis = options.redis;
    redis.defineCommand("owpClaim", { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand("owpSave", { numberOfKeys: 3, lua: SAVE });
    redis.defineCommand("owpRenew", { numberOfKeys: 2, lua: RENEW });
    redis.defineCommand("owpRelease", { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand("owpRemove", { numberOfKeys: 3, lua: REMOVE });
    redis.defineCommand("owpDirectory", { numberOfKeys: 3, lua: DIRECTORY });
    this.#scripts = redis as unknown as Scripts;
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
    return this.#options.redis.smembers(this.#key("stored"));
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
      const holders = await this.#options.redis.mget(chunk.map((id) => this.#leaseKey(id)));
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
    const [epoch, value] = await this.#scripts.owpClaim(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#options.self,
      this.#options.leaseMs,
    ) as [number, string];
    if (epoch === 0) return { kind: "held", holder: value };
    if (epoch === -1) return { kind: "missing" };
    let record: unknown;
    try {
      record = JSON.parse(value);
    } catch {
      record = null;
    }
    this.#epochs.set(roomId, epoch);
    return { kind: "claimed", epoch, record };
  }

  async saveRoom(roomId: string, record: unknown): Promise<void> {
    const epoch = this.epochOf(roomId);
    const written = await this.#scripts.owpSave(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#key("stored"),
      this.#options.self,
      epoch,
      JSON.stringify(record),
      this.#options.leaseMs,
      roomId,
    );
    if (written !== 1) this.#refused(roomId);
    else this.#epochs.set(roomId, epoch);
  }

  /** Renews the lease of `roomId`; false (and `lost` told) when the room is no longer ours. */
  async renew(roomId: string): Promise<boolean> {
    const renewed = await this.#scripts.owpRenew(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#options.self,
      this.epochOf(roomId),
      this.#options.leaseMs,
    );
    if (renewed === 1) return true;
    this.#refused(roomId);
    return false;
  }

  /** Lets `roomId` go without closing it: another instance may claim it at once. */
  async release(roomId: string): Promise<void> {
    await this.#scripts.owpRelease(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#options.self,
      this.epochOf(roomId),
    );
    this.#epochs.delete(roomId);
  }

  async removeRoom(roomId: string): Promise<void> {
    const removed = await this.#scripts.owpRemove(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#key("stored"),
      this.#options.self,
      this.epochOf(roomId),
      CLOSED_ROOM_TOMBSTONE_MS,
      roomId,
    );
    this.#epochs.delete(roomId);
    if (removed !== 1) this.#lost(roomId);
  }

  /**
   * Writes `roomId`'s directory entry in `directoryKey` (null: removes it), only while the room
   * is ours: a stale owner's entry never replaces the new owner's.
   */
  async writeDirectory(
    directoryKey: string,
    roomId: string,
    entry: string | null,
  ): Promise<boolean> {
    const written = await this.#scripts.owpDirectory(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      directoryKey,
      this.#options.self,
      this.epochOf(roomId),
      roomId,
      entry ?? "",
    );
    return written === 1;
  }

  /** Forgets `roomId` here (it was let go, or lost). */
  forget(roomId: string): void {
    this.#epochs.delete(roomId);
  }

  async secret(name: string, make: () => string): Promise<string> {
    const key = this.#key("secrets");
    await this.#options.redis.hsetnx(key, name, make());
    return (await this.#options.redis.hget(key, name)) ?? make();
  }

  #refused(roomId: string): void {
    this.#epochs.delete(roomId);
    this.#lost(roomId);
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #roomKey(roomId: string): string {
    return `${this.#prefix}room:${roomId}`;
  }

  #leaseKey(roomId: string): string {
    return `${this.#prefix}roomlease:${roomId}`;
  }
}
