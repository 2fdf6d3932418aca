/**
 * The cluster's transport on Redis (REDIS_URL): messages as pub/sub on an inbox channel per
 * instance and one directory channel, shared facts as keys (cluster/redis_link.ts holds the two
 * connections). The keys, all under one prefix so that several deployments can share a Redis:
 *
 *   owp:instances        set of the instances registered (live or not yet cleaned up)
 *   owp:lease:<id>       an instance's lease: its clock when last renewed, expiring after it
 *   owp:sessions:<id>    hash: member id → room id, for the members of that instance's rooms
 *   owp:rooms            hash: room id → directory record (JSON), for every open room
 *   owp:i:<id>           channel: messages for that instance
 *   owp:dir              channel: directory changes, heard by every instance
 *
 * Kept rooms (store/redis_store.ts) add their own keys, and write their directory entries
 * into owp:rooms through a script that checks the writer still owns the room.
 */
import { RedisRoomStore } from "../store/redis_store.ts";
import type { SharedRoomStore, SharedRoomStoreOptions } from "../store/shared_room_store.ts";
import { REDIS_PREFIX } from "./constants.ts";
import { RedisLink } from "./redis_link.ts";
import type { ClusterTransport, TransportEvents } from "./transport.ts";

export const KEYS = {
  rooms: `${REDIS_PREFIX}rooms`,
  instances: `${REDIS_PREFIX}instances`,
  lease: (instance: string) => `${REDIS_PREFIX}lease:${instance}`,
  sessions: (instance: string) => `${REDIS_PREFIX}sessions:${instance}`,
  inbox: (instance: string) => `${REDIS_PREFIX}i:${instance}`,
  directoryChannel: `${REDIS_PREFIX}dir`,
};

export class RedisTransport implements ClusterTransport {
  readonly #url: string;
  #link: RedisLink | null = null;

  constructor(url: string) {
    this.#url = url;
  }

  get up(): boolean {
    return this.#link?.up ?? false;
  }

  open(self: string, events: TransportEvents): void {
    const inbox = KEYS.inbox(self);
    this.#link = new RedisLink(this.#url, [inbox, KEYS.directoryChannel], {
      up: () => events.up(),
      down: () => events.down(),
      message: (channel, text) => {
        if (channel === KEYS.directoryChannel) events.directoryMessage(text);
        else if (channel === inbox) events.peerMessage(text);
      },
      problem: (error) => events.problem(error),
    });
  }

  sendTo(instance: string, text: string, failed?: () => void): boolean {
    return this.#opened.publish(KEYS.inbox(instance), text, failed);
  }

  announce(text: string): boolean {
    return this.#opened.publish(KEYS.directoryChannel, text);
  }

  async close(): Promise<void> {
    await this.#link?.close();
  }

  async renewLease(instance: string, since: number, leaseMs: number): Promise<void> {
    const redis = this.#redis;
    await Promise.all([
      redis.set(KEYS.lease(instance), String(since), "PX", leaseMs),
      redis.sadd(KEYS.instances, instance),
    ]);
  }

  async dropLease(instance: string): Promise<void> {
    await this.#redis.del(KEYS.lease(instance));
  }

  instances(): Promise<string[]> {
    return this.#redis.smembers(KEYS.instances);
  }

  async leaseHeld(instance: string): Promise<boolean> {
    return (await this.#redis.exists(KEYS.lease(instance))) === 1;
  }

  async forgetInstance(instance: string): Promise<void> {
    const redis = this.#redis;
    await Promise.all([redis.srem(KEYS.instances, instance), redis.del(KEYS.sessions(instance))]);
  }

  async recordSessions(instance: string, sessions: Readonly<Record<string, string>>) {
    if (Object.keys(sessions).length === 0) return;
    await this.#redis.hset(KEYS.sessions(instance), sessions);
  }

  async forgetSessions(instance: string, memberIds: readonly string[]): Promise<void> {
    if (memberIds.length === 0) return;
    await this.#redis.hdel(KEYS.sessions(instance), ...memberIds);
  }

  async clearSessions(instance: string): Promise<void> {
    await this.#redis.del(KEYS.sessions(instance));
  }

  async findSession(memberId: string): Promise<string | null> {
    const redis = this.#redis;
    const instances = await redis.smembers(KEYS.instances);
    const rooms = await Promise.all(
      instances.map((instance) => redis.hget(KEYS.sessions(instance), memberId)),
    );
    return rooms.find((room) => room !== null) ?? null;
  }

  async writeRoomEntry(roomId: string, entry: string): Promise<void> {
    await this.#redis.hset(KEYS.rooms, roomId, entry);
  }

  async removeRoomEntry(roomId: string): Promise<void> {
    await this.#redis.hdel(KEYS.rooms, roomId);
  }

  async roomEntries(): Promise<string[]> {
    return Object.values(await this.#redis.hgetall(KEYS.rooms));
  }

  keptRooms(options: SharedRoomStoreOptions): SharedRoomStore {
    return new RedisRoomStore({
      ...options,
      redis: this.#redis,
      prefix: REDIS_PREFIX,
      directoryKey: KEYS.rooms,
    });
  }

  get #opened(): RedisLink {
    if (!this.#link) throw new Error("the Redis transport is used before it is opened");
    return this.#link;
  }

  get #redis() {
    return this.#opened.commands;
  }
}
