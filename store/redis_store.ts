/**
 * Rooms kept in Redis for several instances (REDIS_URL): each room's record, and who may write
 * it, by the rules of store/shared_room_store.ts (one owner at a time, by lease; every write
 * fenced by the room's epoch). Each rule runs as one Lua script, so a check and its write are
 * one step for Redis. store/memory_room_rules.ts plays the same rules in memory for the tests:
 * a change here is a change there.
 *
 *   owp:room:<id>        hash: epoch, record (JSON); after a close: epoch, closed (a tombstone)
 *   owp:roomlease:<id>   the owner's instance id, expiring after the lease; empty (and not
 *                        expiring) once its owner let it go on a clean stop
 *   owp:stored           the ids of every kept room (what a starting instance looks through)
 *   owp:secrets          hash of secrets shared by the instances (the resume tokens' key)
 *   owp:rooms            the cluster's room directory (cluster/redis_transport.ts), whose
 *                        entries only a room's owner writes
 */
import type { Redis } from "ioredis";
import {
  type RawClaim,
  type RoomRules,
  SharedRoomStore,
  type SharedRoomStoreOptions,
} from "./shared_room_store.ts";

export { type ClaimOutcome, CLOSED_ROOM_TOMBSTONE_MS } from "./shared_room_store.ts";

const DEFAULT_PREFIX = "owp:";

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

export interface RedisRoomStoreOptions extends SharedRoomStoreOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  /** The hash the directory entries go in (default: the prefix's `rooms`). */
  readonly directoryKey?: string;
}

/** The rules as Lua scripts, on the keys above. */
class RedisRoomRules implements RoomRules {
  readonly #redis: Redis;
  readonly #scripts: Scripts;
  readonly #prefix: string;
  readonly #directoryKey: string;

  constructor(redis: Redis, prefix: string, directoryKey: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#directoryKey = directoryKey;
    redis.defineCommand("owpClaim", { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand("owpSave", { numberOfKeys: 3, lua: SAVE });
    redis.defineCommand("owpRenew", { numberOfKeys: 2, lua: RENEW });
    redis.defineCommand("owpRelease", { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand("owpRemove", { numberOfKeys: 3, lua: REMOVE });
    redis.defineCommand("owpDirectory", { numberOfKeys: 3, lua: DIRECTORY });
    this.#scripts = redis as unknown as Scripts;
  }

  async claim(roomId: string, self: string, leaseMs: number): Promise<RawClaim> {
    const [epoch, value] = await this.#scripts.owpClaim(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      self,
      leaseMs,
    ) as [number, string];
    if (epoch === 0) return { kind: "held", holder: value };
    if (epoch === -1) return { kind: "missing" };
    return { kind: "claimed", epoch, record: value };
  }

  async save(
    roomId: string,
    self: string,
    epoch: number,
    record: string,
    leaseMs: number,
  ): Promise<boolean> {
    const written = await this.#scripts.owpSave(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#key("stored"),
      self,
      epoch,
      record,
      leaseMs,
      roomId,
    );
    return written === 1;
  }

  async renew(roomId: string, self: string, epoch: number, leaseMs: number): Promise<boolean> {
    const renewed = await this.#scripts.owpRenew(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      self,
      epoch,
      leaseMs,
    );
    return renewed === 1;
  }

  async release(roomId: string, self: string, epoch: number): Promise<void> {
    await this.#scripts.owpRelease(this.#roomKey(roomId), this.#leaseKey(roomId), self, epoch);
  }

  async remove(roomId: string, self: string, epoch: number, tombstoneMs: number): Promise<boolean> {
    const removed = await this.#scripts.owpRemove(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#key("stored"),
      self,
      epoch,
      tombstoneMs,
      roomId,
    );
    return removed === 1;
  }

  async writeDirectory(
    roomId: string,
    self: string,
    epoch: number,
    entry: string | null,
  ): Promise<boolean> {
    const written = await this.#scripts.owpDirectory(
      this.#roomKey(roomId),
      this.#leaseKey(roomId),
      this.#directoryKey,
      self,
      epoch,
      roomId,
      entry ?? "",
    );
    return written === 1;
  }

  storedIds(): Promise<string[]> {
    return this.#redis.smembers(this.#key("stored"));
  }

  leaseHolders(roomIds: readonly string[]): Promise<(string | null)[]> {
    if (roomIds.length === 0) return Promise.resolve([]);
    return this.#redis.mget(roomIds.map((id) => this.#leaseKey(id)));
  }

  async secret(name: string, value: string): Promise<string | null> {
    const key = this.#key("secrets");
    await this.#redis.hsetnx(key, name, value);
    return await this.#redis.hget(key, name);
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

export class RedisRoomStore extends SharedRoomStore {
  constructor(options: RedisRoomStoreOptions) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const directoryKey = options.directoryKey ?? `${prefix}rooms`;
    super(new RedisRoomRules(options.redis, prefix, directoryKey), options);
  }
}
