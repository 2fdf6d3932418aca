/**
 * Many instances, one set of rooms (docs/deployment.md, "Several instances"). Each room lives on
 * exactly one instance, its owner, and stays an actor there; this class is the federation that
 * connects an instance's registry to the others over Redis:
 * - as an owner it writes its rooms to the directory, takes `cmd` messages from members
 *   connected elsewhere (RemoteMember), and sends their frames back, batched per instance;
 * - as a member's instance it lists and reaches other instances' rooms (RemoteRoom) and
 *   delivers their frames to its connections, converting every time into its own clock;
 * - always: a lease renewed by heartbeat, clock round trips to every live peer, and clean-up
 *   after an instance whose lease ran out (its rooms close, its members leave ours).
 * Without REDIS_URL none of this exists and nothing of it is on the hot path.
 */
import type { RoomCloseCode } from "../protocol/mod.ts";
import type { TimerId } from "../rooms/clock.ts";
import type { Member } from "../rooms/member.ts";
import type { RoomRegistry } from "../rooms/registry.ts";
import type { Room } from "../rooms/room.ts";
import type { RoomFederation, RoomHandle } from "../rooms/room_handle.ts";
import type {
  InstanceLink,
  InstanceLinkLog,
  InstanceLinkOptions,
} from "../server/instance_link.ts";
import { HEARTBEATS_PER_LEASE } from "./constants.ts";
import {
  DirectoryMirror,
  KEYS,
  parseDirectoryMessage,
  parseRecord,
  recordOf,
} from "./directory.ts";
import { MemberSide } from "./member_side.ts";
import { OwnerSide } from "./owner_side.ts";
import { PeerClocks } from "./peer_clocks.ts";
import { type MemberRef, parsePeer, PeerMessageSchema, type WireCommand } from "./peer_messages.ts";
import { RedisLink } from "./redis_link.ts";
import { RemoteRoom, type RemoteRoomLink } from "./remote_room.ts";

export type ClusterLog = InstanceLinkLog;
export type ClusterOptions = InstanceLinkOptions;

/** For createSessionServer's `cluster` option. */
export function createCluster(options: ClusterOptions): Cluster {
  return new Cluster(options);
}

export class Cluster implements RoomFederation, RemoteRoomLink, InstanceLink {
  readonly self: string;
  readonly clocks = new PeerClocks();
  readonly #options: ClusterOptions;
  readonly #registry: RoomRegistry;
  readonly #mirror: DirectoryMirror;
  readonly #link: RedisLink;
  readonly #owner: OwnerSide;
  readonly #member: MemberSide;
  /** Our rooms whose directory record must be written at the end of this turn. */
  readonly #dirtyRooms = new Map<string, Room | null>();
  #directoryFlushScheduled = false;
  /** Peers whose lease was there at the last heartbeat. */
  #livePeers = new Set<string>();
  #upSince: number | null = null;
  #everUp = false;
  #beats = 0;
  #heartbeat: TimerId | null = null;
  #closed = false;
  readonly #registered = Promise.withResolvers<void>();

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.self = options.instanceId || crypto.randomUUID();
    this.#registry = options.registry;
    this.#mirror = new DirectoryMirror(this.self);
    const now = () => this.now();
    this.#owner = new OwnerSide({
      self: this.self,
      registry: options.registry,
      clocks: this.clocks,
      now,
      publish: (instance, text) => this.#link.publish(KEYS.inbox(instance), text),
    });
    this.#member = new MemberSide(options.registry, this.clocks, now);
    this.#link = new RedisLink(options.redisUrl, [KEYS.inbox(this.self), KEYS.directoryChannel], {
      up: () => void this.#onUp(),
      down: () => this.#onDown(),
      message: (channel, text) => this.#onMessage(channel, text),
      problem: (error) => options.log.warn("redis problem", { error }),
    });
    options.registry.federate(this);
    this.#scheduleHeartbeat();
  }

  get redisUp(): boolean {
    return this.#link.up;
  }

  /** Live peers (their lease held at the last heartbeat). */
  get peerCount(): number {
    return this.#livePeers.size;
  }

  get remoteMemberCount(): number {
    return this.#owner.remoteMemberCount;
  }

  /** Resolves once Redis is reachable and this instance is registered (tests, start-up). */
  ready(): Promise<void> {
    return this.#registered.promise;
  }

  now(): number {
    return this.#options.clock.now();
  }

  // ---- RoomFederation: what the registry tells and asks ----

  remoteRoom(roomId: string): RoomHandle | undefined {
    const entry = this.#mirror.get(roomId);
    return entry ? new RemoteRoom(entry, this) : undefined;
  }

  roomChanged(room: Room): void {
    this.#dirtyRooms.set(room.id, room);
    this.#scheduleDirectoryFlush();
  }

  roomClosed(roomId: string): void {
    this.#dirtyRooms.set(roomId, null);
    // At once, ahead of the room's last frames (they leave at the end of this turn): a member
    // elsewhere who hears room_closed is back in a lobby whose list no longer has the room.
    this.#flushDirectory();
  }

  memberJoined(roomId: string, memberId: string): void {
    if (this.#link.up) {
      this.#link.commands.hset(KEYS.sessions(this.self), memberId, roomId).catch(() => {});
    }
    this.#owner.memberJoined(roomId, memberId);
  }

  memberLeft(roomId: string, memberId: string): void {
    if (this.#link.up) this.#link.commands.hdel(KEYS.sessions(this.self), memberId).catch(() => {});
    this.#owner.memberLeft(roomId, memberId);
  }

  memberResumed(roomId: string, member: Member): void {
    this.#owner.memberResumed(roomId, member);
  }

  async findSession(sessionId: string): Promise<RoomHandle | undefined> {
    if (!this.#link.up) return undefined;
    try {
      const instances = await this.#link.commands.smembers(KEYS.instances);
      const rooms = await Promise.all(
        instances.map((instance) => this.#link.commands.hget(KEYS.sessions(instance), sessionId)),
      );
      const roomId = rooms.find((room) => room !== null);
      return roomId ? this.#registry.handle(roomId) : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- RemoteRoomLink: what a RemoteRoom needs ----

  sendCommand(
    owner: string,
    roomId: string,
    member: MemberRef,
    cmd: WireCommand,
    failed?: () => void,
  ): boolean {
    const message = { t: "cmd", from: this.self, room: roomId, member, cmd };
    return this.#link.publish(KEYS.inbox(owner), JSON.stringify(message), failed);
  }

  defer(owner: string, room: string, member: MemberRef, cmd: WireCommand): void {
    this.#member.defer({ owner, room, member, cmd });
  }

  /** Closes our side: our rooms are already closed (registry.shutdown); the lease goes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushDirectory();
    this.#owner.flush();
    this.#closed = true;
    this.#registered.resolve(); // nobody waits for a closed link
    if (this.#heartbeat !== null) this.#options.clock.clearTimer(this.#heartbeat);
    if (this.#link.up) {
      const redis = this.#link.commands;
      await Promise.allSettled([
        redis.del(KEYS.lease(this.self), KEYS.sessions(this.self)),
        redis.srem(KEYS.instances, this.self),
      ]);
    }
    await this.#link.close();
  }

  // ---- Redis comes and goes ----

  async #onUp(): Promise<void> {
    const redis = this.#link.commands;
    this.#upSince = this.now();
    this.#options.log.info("redis connected", { instance: this.self });
    try {
      await this.#renewLease();
      // After a Redis restart the directory is empty: our rooms and sessions go back in.
      const rooms = [...this.#registry.rooms()];
      for (const room of rooms) this.#dirtyRooms.set(room.id, room);
      this.#flushDirectory();
      await redis.del(KEYS.sessions(this.self));
      for (const room of rooms) {
        for (const memberId of room.snapshot().memberIds) {
          redis.hset(KEYS.sessions(this.self), memberId, room.id).catch(() => {});
        }
      }
      await this.#reloadDirectory(false);
    } catch (error) {
      this.#options.log.warn("redis registration failed", { error: String(error) });
    }
    if (this.#everUp) this.#resync();
    this.#everUp = true;
    this.#registered.resolve();
    // The others resync what they have in our rooms now that we hear them again.
    this.#link.publish(
      KEYS.directoryChannel,
      JSON.stringify({ t: "instance_up", owner: this.self }),
    );
    void this.#beat();
  }

  #onDown(): void {
    this.#upSince = null;
    this.#options.log.warn("redis unreachable: remote rooms paused", { instance: this.self });
  }

  /**
   * Back after an outage: the leaves and aways kept meanwhile go out, and every connection of
   * ours in another instance's room asks for what it may have missed.
   */
  /**
   * Back in touch with `owner` (all owners: undefined, when we reconnect; either side may come
   * back first, so this runs on our return and again on each owner's): the leaves and aways kept
   * meanwhile go out, and each connection of ours in the owner's rooms asks for what it missed.
   */
  #resync(owner?: string): void {
    for (const { owner: to, room, member, cmd } of this.#member.deferredFor(owner, !!owner)) {
      this.sendCommand(to, room, member, cmd);
    }
    const ownerOf = (room: string) => this.#mirror.get(room)?.record.owner;
    for (const { room, member, lastSeq } of this.#member.resyncs(ownerOf, owner)) {
      const to = ownerOf(room);
      if (to) this.sendCommand(to, room, member, { kind: "resync", lastSeq });
    }
  }

  // ---- heartbeat: lease, clocks, peers that died ----

  #scheduleHeartbeat(): void {
    if (this.#closed) return;
    const every = this.#options.leaseMs / HEARTBEATS_PER_LEASE;
    this.#heartbeat = this.#options.clock.setTimer(every, () => {
      void this.#beat().finally(() => this.#scheduleHeartbeat());
    });
  }

  async #renewLease(): Promise<void> {
    const redis = this.#link.commands;
    await Promise.all([
      redis.set(KEYS.lease(this.self), String(this.now()), "PX", this.#options.leaseMs),
      redis.sadd(KEYS.instances, this.self),
    ]);
  }

  async #beat(): Promise<void> {
    if (!this.#link.up || this.#closed) return;
    try {
      await this.#renewLease();
      const redis = this.#link.commands;
      const peers = (await redis.smembers(KEYS.instances)).filter((id) => id !== this.self);
      const leases = await Promise.all(peers.map((peer) => redis.exists(KEYS.lease(peer))));
      const live = new Set(peers.filter((_, i) => leases[i] === 1));
      this.#livePeers = live;
      for (const peer of live) {
        this.#link.publish(
          KEYS.inbox(peer),
          JSON.stringify({ t: "clock_ping", from: this.self, t0: this.now() }),
        );
      }
      // Only once every live instance has had a whole lease to re-register after an outage.
      const settled = this.#upSince !== null && this.now() - this.#upSince >= this.#options.leaseMs;
      if (!settled) return;
      const dead = peers.filter((peer) => !live.has(peer));
      for (const peer of dead) await this.#instanceGone(peer);
      if (++this.#beats % HEARTBEATS_PER_LEASE === 0) await this.#reloadDirectory(true);
      this.#member.expireDeferred(2 * this.#options.leaseMs);
    } catch (error) {
      this.#options.log.debug("heartbeat failed", { error: String(error) });
    }
  }

  /**
   * `peer`'s lease ran out: it is gone. Its rooms leave the directory and close for our
   * connections in them; its connections in our rooms are away (and leave when their grace ends).
   */
  async #instanceGone(peer: string): Promise<void> {
    this.#options.log.warn("instance gone", { instance: peer });
    const redis = this.#link.commands;
    await Promise.all([redis.srem(KEYS.instances, peer), redis.del(KEYS.sessions(peer))]);
    for (const roomId of this.#mirror.ownedBy(peer)) {
      await redis.hdel(KEYS.rooms, roomId);
      this.#remoteRoomGone(roomId, "owner_gone");
    }
    this.#owner.instanceGone(peer);
    this.clocks.forget(peer);
  }

  /**
   * The whole directory, read again: rooms we missed appear; with `prune`, rooms no longer in it
   * (closed while Redis was away, say) go.
   */
  async #reloadDirectory(prune: boolean): Promise<void> {
    const all = await this.#link.commands.hgetall(KEYS.rooms);
    const seen = new Set<string>();
    for (const text of Object.values(all)) {
      const record = parseRecord(text);
      if (!record) continue;
      if (record.owner === this.self) {
        // One of ours that closed while Redis was away: the others must forget it too.
        if (!this.#registry.get(record.summary.id)) this.roomClosed(record.summary.id);
        continue;
      }
      seen.add(record.summary.id);
      if (this.#mirror.set(record)) this.#registry.showRemote(record.summary, !record.unlisted);
    }
    if (!prune) return;
    for (const roomId of this.#mirror.ids()) {
      if (!seen.has(roomId)) this.#remoteRoomGone(roomId, "owner_gone");
    }
  }

  /** A remote room is gone without its owner telling our members: we tell them. */
  #remoteRoomGone(roomId: string, code: RoomCloseCode): void {
    this.#mirror.delete(roomId);
    this.#registry.hideRemote(roomId);
    this.#member.roomGone(roomId, code);
  }

  // ---- the directory: our rooms, written once per turn ----

  #scheduleDirectoryFlush(): void {
    if (this.#directoryFlushScheduled) return;
    this.#directoryFlushScheduled = true;
    // Once per turn, however many times a room's summary changed in it.
    queueMicrotask(() => this.#flushDirectory());
  }

  #flushDirectory(): void {
    this.#directoryFlushScheduled = false;
    if (!this.#link.up) return; // written again in full when Redis returns
    const redis = this.#link.commands;
    for (const [roomId, room] of this.#dirtyRooms) {
      if (room && !room.closed) {
        const record = recordOf(room, this.self);
        redis.hset(KEYS.rooms, roomId, JSON.stringify(record)).catch(() => {});
        this.#link.publish(KEYS.directoryChannel, JSON.stringify({ t: "room", record }));
      } else {
        redis.hdel(KEYS.rooms, roomId).catch(() => {});
        this.#link.publish(
          KEYS.directoryChannel,
          JSON.stringify({ t: "room_gone", room: roomId, owner: this.self }),
        );
      }
    }
    this.#dirtyRooms.clear();
  }

  // ---- messages from other instances ----

  #onMessage(channel: string, text: string): void {
    if (this.#closed) return;
    if (channel === KEYS.directoryChannel) return this.#onDirectory(text);
    const message = parsePeer(PeerMessageSchema, text);
    if (!message) {
      this.#options.log.warn("bad message from a peer", { bytes: text.length });
      return;
    }
    switch (message.t) {
      case "cmd":
        return this.#owner.onCommand(message);
      case "out":
        return this.#member.deliver(message.from, message.items, (room, memberId) => {
          const ref = { id: memberId, name: "", rtt: null };
          this.sendCommand(message.from, room, ref, { kind: "leave", hostCode: null });
        });
      case "clock_ping":
        this.#link.publish(
          KEYS.inbox(message.from),
          JSON.stringify({ t: "clock_pong", from: this.self, t0: message.t0, t1: this.now() }),
        );
        return;
      case "clock_pong":
        this.clocks.record(message.from, message.t0, message.t1, this.now());
        return;
    }
  }

  #onDirectory(text: string): void {
    const message = parseDirectoryMessage(text);
    if (!message) return;
    if (message.t === "room") {
      if (this.#mirror.set(message.record)) {
        this.#registry.showRemote(message.record.summary, !message.record.unlisted);
      }
      return;
    }
    if (message.t === "instance_up") {
      if (message.owner !== this.self) this.#resync(message.owner);
      return;
    }
    if (message.owner !== this.self && this.#mirror.delete(message.room, message.owner)) {
      this.#registry.hideRemote(message.room);
    }
  }
}
