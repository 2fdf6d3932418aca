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
import { build, encode, type ErrorInfo, ERRORS, type ServerMessage } from "../protocol/mod.ts";
import type { Clock, TimerId } from "../rooms/clock.ts";
import type { Member } from "../rooms/member.ts";
import type { RoomRegistry } from "../rooms/registry.ts";
import type { Room } from "../rooms/room.ts";
import type { RoomFederation, RoomHandle } from "../rooms/room_handle.ts";
import type { RoomCommand } from "../rooms/room_types.ts";
import { HEARTBEATS_PER_LEASE } from "./constants.ts";
import {
  DirectoryMirror,
  KEYS,
  parseDirectoryMessage,
  parseRecord,
  recordOf,
} from "./directory.ts";
import { convertTimes, PeerClocks } from "./peer_clocks.ts";
import {
  type MemberRef,
  type OutItem,
  parsePeer,
  type PeerMessage,
  PeerMessageSchema,
  type WireCommand,
} from "./peer_messages.ts";
import { RedisLink } from "./redis_link.ts";
import { PeerOutbox, RemoteMember } from "./remote_member.ts";
import { RemoteRoom, type RemoteRoomLink } from "./remote_room.ts";

/** Structurally the server's logger (cluster/ does not import server/). */
export interface ClusterLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export interface ClusterOptions {
  readonly redisUrl: string;
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly clock: Clock;
  readonly registry: RoomRegistry;
  readonly log: ClusterLog;
}

/** Said to members of a room whose owner instance stopped without closing it. */
export const OWNER_GONE_REASON = "The room's server stopped";

interface Deferred {
  readonly owner: string;
  readonly room: string;
  readonly member: MemberRef;
  readonly cmd: WireCommand;
}

/** Leaves and aways kept while Redis is away; more than this and the oldest go. */
const MAX_DEFERRED = 10_000;

export class Cluster implements RoomFederation, RemoteRoomLink {
  readonly self: string;
  readonly clocks = new PeerClocks();
  readonly #options: ClusterOptions;
  readonly #registry: RoomRegistry;
  readonly #mirror: DirectoryMirror;
  readonly #link: RedisLink;
  readonly #outboxes = new Map<string, PeerOutbox>();
  /** Members of our rooms whose connection is on another instance, by id. */
  readonly #remoteMembers = new Map<string, RemoteMember>();
  /** Our connections in other instances' rooms: room id → member ids. */
  readonly #localInRemote = new Map<string, Set<string>>();
  /** The last room seq each of those connections was given (what a resync starts from). */
  readonly #lastSeq = new Map<string, number>();
  readonly #pendingAdopts = new Map<string, () => void>();
  readonly #deferred: Deferred[] = [];
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

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.self = options.instanceId || crypto.randomUUID();
    this.#registry = options.registry;
    this.#mirror = new DirectoryMirror(this.self);
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
    return this.#remoteMembers.size;
  }

  /** Resolves once Redis is reachable and this instance is registered (tests, start-up). */
  async ready(): Promise<void> {
    while (!this.#everUp && !this.#closed) await new Promise((r) => setTimeout(r, 20));
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
    this.#scheduleDirectoryFlush();
  }

  memberJoined(roomId: string, memberId: string): void {
    if (this.#link.up) {
      this.#link.commands.hset(KEYS.sessions(this.self), memberId, roomId).catch(() => {});
    }
    this.#remoteMembers.get(memberId)?.outbox.event({
      ev: "joined",
      room: roomId,
      member: memberId,
    });
  }

  memberLeft(roomId: string, memberId: string): void {
    if (this.#link.up) this.#link.commands.hdel(KEYS.sessions(this.self), memberId).catch(() => {});
    const remote = this.#remoteMembers.get(memberId);
    if (!remote) return;
    remote.outbox.event({ ev: "left", room: roomId, member: memberId });
    if (this.#registry.roomOf(memberId) === roomId) this.#remoteMembers.delete(memberId);
  }

  memberResumed(roomId: string, member: Member): void {
    const previous = this.#remoteMembers.get(member.id);
    if (previous && previous !== member) {
      // The session moved away from the instance of its old connection: that one forgets it.
      previous.outbox.event({ ev: "left", room: roomId, member: member.id });
    }
    if (member instanceof RemoteMember) this.#remoteMembers.set(member.id, member);
    else this.#remoteMembers.delete(member.id);
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

  sendCommand(owner: string, roomId: string, member: MemberRef, cmd: WireCommand): boolean {
    const message = { t: "cmd", from: this.self, room: roomId, member, cmd };
    return this.#link.publish(KEYS.inbox(owner), JSON.stringify(message));
  }

  defer(owner: string, room: string, member: MemberRef, cmd: WireCommand): void {
    this.#deferred.push({ owner, room, member, cmd });
    if (this.#deferred.length > MAX_DEFERRED) this.#deferred.shift();
  }

  awaitAdopt(connectionId: string, adopt: () => void): void {
    this.#pendingAdopts.set(connectionId, adopt);
  }

  /** Closes our side: our rooms are already closed (registry.shutdown); the lease goes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushDirectory();
    for (const outbox of this.#outboxes.values()) outbox.flush();
    this.#closed = true;
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
  #resync(): void {
    for (const { owner, room, member, cmd } of this.#deferred.splice(0)) {
      this.sendCommand(owner, room, member, cmd);
    }
    for (const [roomId, members] of this.#localInRemote) {
      const owner = this.#mirror.get(roomId)?.record.owner;
      if (!owner) continue;
      for (const memberId of members) {
        const member = this.#registry.listener(memberId);
        const ref = { id: memberId, name: member?.name ?? "", rtt: member?.rttMs ?? null };
        const lastSeq = this.#lastSeq.get(memberId) ?? null;
        this.sendCommand(owner, roomId, ref, { kind: "resync", lastSeq });
      }
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
      this.#remoteRoomGone(roomId, OWNER_GONE_REASON);
    }
    for (const member of [...this.#remoteMembers.values()]) {
      if (member.instance === peer) this.#registry.memberAway(member);
    }
    this.#outboxes.delete(peer);
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
      if (!record || record.owner === this.self) continue;
      seen.add(record.summary.id);
      if (this.#mirror.set(record)) this.#registry.showRemote(record.summary);
    }
    if (!prune) return;
    for (const roomId of this.#mirror.ids()) {
      if (!seen.has(roomId)) this.#remoteRoomGone(roomId, OWNER_GONE_REASON);
    }
  }

  /** A remote room is gone without its owner telling our members: we tell them. */
  #remoteRoomGone(roomId: string, reason: string): void {
    this.#mirror.delete(roomId);
    this.#registry.hideRemote(roomId);
    const members = this.#localInRemote.get(roomId);
    if (!members) return;
    this.#localInRemote.delete(roomId);
    const frame = encode(build.roomClosed(roomId, reason, this.now()));
    for (const memberId of members) {
      this.#lastSeq.delete(memberId);
      this.#registry.listener(memberId)?.send(frame);
      this.#registry.noteLeft(roomId, memberId);
    }
  }

  // ---- the directory: our rooms, written once per turn ----

  #scheduleDirectoryFlush(): void {
    if (this.#directoryFlushScheduled) return;
    this.#directoryFlushScheduled = true;
    // After this turn's frames (their outboxes flush first): a member elsewhere hears its
    // room_closed before the directory says the room is gone.
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
        return this.#onCommand(message);
      case "out":
        return this.#onOut(message.from, message.items);
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
      if (this.#mirror.set(message.record)) this.#registry.showRemote(message.record.summary);
      return;
    }
    if (message.owner !== this.self && this.#mirror.delete(message.room, message.owner)) {
      this.#registry.hideRemote(message.room);
    }
  }

  #outbox(instance: string): PeerOutbox {
    let outbox = this.#outboxes.get(instance);
    if (!outbox) {
      outbox = new PeerOutbox(
        instance,
        (text) => this.#link.publish(KEYS.inbox(instance), text),
        this.self,
      );
      this.#outboxes.set(instance, outbox);
    }
    return outbox;
  }

  /** A member connected to `from` commands one of our rooms. */
  #onCommand(message: Extract<PeerMessage, { t: "cmd" }>): void {
    const { from, member: ref, cmd } = message;
    const room = this.#registry.get(message.room);
    if (!room) return this.#noSuchRoom(from, ref, message.room, cmd);
    const toLocal = (t: number | null) => t === null ? null : this.clocks.toLocal(from, t);
    if (cmd.kind === "away") return room.post({ kind: "away", memberId: ref.id });
    if (cmd.kind === "resume") {
      const connection = new RemoteMember(this.#outbox(from), ref);
      return room.post({
        kind: "resume",
        memberId: cmd.sessionId,
        connection,
        adopt: () => connection.adopt(cmd.sessionId),
        lastSeq: cmd.lastSeq,
        resumeToken: cmd.resumeToken,
      });
    }
    const member = this.#memberFor(from, ref);
    room.post(commandOf(cmd, member, toLocal));
  }

  /** The Member object for a remote member: the same one for every command it sends. */
  #memberFor(instance: string, ref: MemberRef): RemoteMember {
    const known = this.#remoteMembers.get(ref.id);
    if (known && known.instance === instance) {
      known.refresh(ref);
      return known;
    }
    const member = new RemoteMember(this.#outbox(instance), ref);
    this.#remoteMembers.set(ref.id, member);
    return member;
  }

  /** A command for a room that is not (or no longer) here: answered as dispatch would. */
  #noSuchRoom(from: string, ref: MemberRef, roomId: string, cmd: WireCommand): void {
    const reply = (error: ErrorInfo) =>
      new RemoteMember(this.#outbox(from), ref).send(
        encode(build.error(error, this.now(), roomId)),
      );
    switch (cmd.kind) {
      case "ready":
      case "leave":
      case "away":
        return;
      case "resync":
        // It thinks it is in a room that is gone: it forgets it (and is told the room closed).
        this.#outbox(from).event({ ev: "left", room: roomId, member: ref.id });
        return;
      case "chat":
        return reply(ERRORS.notInRoom);
      case "resume":
        return reply(ERRORS.sessionExpired);
      default:
        return reply(ERRORS.roomNotFound);
    }
  }

  /** What an owner sent our connections: frames in our clock, and where they now are. */
  #onOut(owner: string, items: OutItem[]): void {
    const toLocal = (t: number) => this.clocks.toLocal(owner, t);
    for (const item of items) {
      if ("f" in item) {
        convertTimes(item.f, toLocal);
        const frame = { message: item.f as unknown as ServerMessage, text: JSON.stringify(item.f) };
        const seq = typeof item.f.room === "string" ? item.f.seq : undefined;
        for (const id of item.to) {
          this.#registry.listener(id)?.send(frame);
          if (seq !== undefined) this.#lastSeq.set(id, seq);
        }
      } else if (item.ev === "adopt") {
        const adopt = this.#pendingAdopts.get(item.member);
        this.#pendingAdopts.delete(item.member);
        adopt?.();
      } else if (item.ev === "joined") {
        let members = this.#localInRemote.get(item.room);
        if (!members) this.#localInRemote.set(item.room, members = new Set());
        members.add(item.member);
        this.#registry.noteJoined(item.room, item.member);
      } else {
        const members = this.#localInRemote.get(item.room);
        members?.delete(item.member);
        if (members?.size === 0) this.#localInRemote.delete(item.room);
        this.#lastSeq.delete(item.member);
        this.#registry.noteLeft(item.room, item.member);
      }
    }
  }
}

/** A wire command back as the room command it was, with `member` as its sender. */
function commandOf(
  cmd: Exclude<WireCommand, { kind: "away" | "resume" }>,
  member: Member,
  toLocal: (t: number | null) => number | null,
): RoomCommand {
  switch (cmd.kind) {
    case "join":
      return { kind: "join", from: member, admitted: cmd.admitted };
    case "leave":
      return { kind: "leave", from: member, hostReason: cmd.hostReason ?? undefined };
    case "ready":
      return { kind: "ready", from: member, readiness: cmd.readiness };
    case "player_event":
      return {
        kind: "player_event",
        from: member,
        action: cmd.action,
        position: cmd.position,
        playState: cmd.playState,
        timing: { atServerTs: toLocal(cmd.atServerTs), deferred: cmd.deferred },
      };
    case "state_update":
      return {
        kind: "state_update",
        from: member,
        position: cmd.position,
        playState: cmd.playState,
        atServerTs: toLocal(cmd.atServerTs),
      };
    case "chat":
      return { kind: "chat", from: member, text: cmd.text };
    case "resync":
      return { kind: "resync", from: member, lastSeq: cmd.lastSeq };
    case "transfer_host":
      return { kind: "transfer_host", from: member, to: cmd.to };
    case "start_anyway":
      return { kind: "start_anyway", from: member };
    case "set_rate":
      return {
        kind: "set_rate",
        from: member,
        rate: cmd.rate,
        atServerTs: toLocal(cmd.atServerTs),
      };
    case "set_control":
      return { kind: "set_control", from: member, control: cmd.control };
    case "set_cohost":
      return { kind: "set_cohost", from: member, to: cmd.to, cohost: cmd.cohost };
  }
}
