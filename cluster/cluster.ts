/**
 * Many instances, one set of rooms (docs/deployment.md, "Several instances"). Each room lives on
 * exactly one instance, its owner, and stays an actor there; this class connects an instance's
 * registry to the others over its transport (cluster/transport.ts: Redis in a deployment,
 * cluster/redis_cluster.ts; the memory bus in tests), and gives the server the directory that
 * spans them (`directory`, a ClusterDirectory). It watches the registry's rooms and reports
 * the others' rooms into it:
 * - as an owner it writes its rooms to the directory, takes `cmd` messages from members
 *   connected elsewhere (RemoteMember), and sends their frames back, batched per instance;
 * - as a member's instance it lists and reaches other instances' rooms (RemoteRoom) and
 *   delivers their frames to its connections, converting every time into its own clock;
 * - always: a lease renewed by heartbeat, clock round trips to every live peer, and clean-up
 *   after an instance whose lease ran out (its members leave ours);
 * - with rooms kept in Redis (store/shared_room_store.ts): each room's lease renewed with the
 *   instance's, a refused write (another instance adopted the room while this one stalled)
 *   retiring the room here, and adoption: a dead or stopping owner's rooms are claimed by a
 *   survivor, restored there, and the members connected elsewhere move with them (a dead
 *   owner's own connections come back by resuming, and find the room where it lives now).
 * Without REDIS_URL none of this exists and nothing of it is on the hot path.
 */
import type { RoomCloseCode } from "../protocol/mod.ts";
import {
  convertRecordTimes,
  type MemberCommand,
  parseRoomRecord,
  type PortLookup,
  refOf,
  type Room,
  type RoomDirectory,
  type RoomHandle,
  type RoomRegistry,
  type RoomWatcher,
  senderOf,
  type TimerId,
} from "../rooms/mod.ts";
import type { SharedRoomStore } from "../store/shared_room_store.ts";
import type {
  InstanceLink,
  InstanceLinkLog,
  InstanceLinkOptions,
} from "../server/instance_link.ts";
import { HEARTBEATS_PER_LEASE } from "./constants.ts";
import { ClusterDirectory } from "./cluster_directory.ts";
import { DirectoryMirror, parseDirectoryMessage, parseRecord, recordOf } from "./directory.ts";
import { MemberSide, type PendingRequest } from "./member_side.ts";
import { OwnerSide } from "./owner_side.ts";
import { PeerClocks } from "./peer_clocks.ts";
import { type DirectoryRecord, parsePeer, PeerMessageSchema } from "./peer_messages.ts";
import { RemoteRoom, type RemoteRoomLink } from "./remote_room.ts";
import type { ClusterTransport } from "./transport.ts";

export type ClusterLog = InstanceLinkLog;
export interface ClusterOptions extends Omit<InstanceLinkOptions, "redisUrl"> {
  /** What connects this instance to the others (opened here, closed by close()). */
  readonly transport: ClusterTransport;
}

export class Cluster implements RoomWatcher, RemoteRoomLink, InstanceLink {
  readonly self: string;
  readonly clocks = new PeerClocks();
  /** Where the rooms are kept (null: rooms are not kept, and close with their owner). */
  readonly store: SharedRoomStore | null;
  /** The rooms of every instance, as the server asks for them. */
  readonly directory: RoomDirectory;
  readonly #options: ClusterOptions;
  readonly #registry: RoomRegistry;
  readonly #mirror: DirectoryMirror;
  readonly #link: ClusterTransport;
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
  /** Gone peers whose connections in our rooms were set away (they linger until adopted). */
  readonly #goneHandled = new Set<string>();
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
      publish: (instance, text) => this.#link.sendTo(instance, text),
    });
    this.#member = new MemberSide(options.registry, this.clocks, now);
    this.#link = options.transport;
    this.#link.open(this.self, {
      up: () => void this.#onUp(),
      down: () => this.#onDown(),
      peerMessage: (text) => this.#onMessage(text),
      directoryMessage: (text) => this.#onDirectory(text),
      problem: (error) => options.log.warn("redis problem", { error }),
    });
    this.store = options.keepRooms
      ? this.#link.keptRooms({
        self: this.self,
        leaseMs: options.leaseMs,
        lost: (roomId) => this.#lost(roomId),
      })
      : null;
    options.registry.watch(this);
    this.directory = new ClusterDirectory(options.registry, this);
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

  // ---- RoomWatcher: what the registry's rooms do ----

  summaryChanged(room: Room): void {
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
      this.#link.recordSessions(this.self, { [memberId]: roomId }).catch(() => {});
    }
    this.#owner.memberJoined(roomId, memberId);
  }

  memberLeft(roomId: string, memberId: string): void {
    if (this.#link.up) this.#link.forgetSessions(this.self, [memberId]).catch(() => {});
    this.#owner.memberLeft(roomId, memberId);
  }

  memberResumed(roomId: string, memberId: string): void {
    this.#owner.memberResumed(roomId, memberId);
  }

  /** The room a session connected to any instance is in (ClusterDirectory's resume). */
  async findSession(sessionId: string): Promise<RoomHandle | undefined> {
    if (!this.#link.up) return undefined;
    try {
      const roomId = await this.#link.findSession(sessionId);
      return roomId ? this.#registry.handle(roomId) : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- RemoteRoomLink: what a RemoteRoom needs ----

  /** Our connections (and the members of our rooms elsewhere), by id. */
  get ports(): PortLookup {
    return this.#registry.ports;
  }

  sendCommand(
    owner: string,
    roomId: string,
    cmd: MemberCommand,
    failed?: () => void,
  ): boolean {
    const sender = senderOf(cmd);
    const rtt = (sender && this.#registry.listener(sender.id)?.rttMs) ?? null;
    const message = { t: "cmd", from: this.self, room: roomId, rtt, cmd };
    if ((cmd.kind === "resume" || cmd.kind === "join") && this.store) {
      // Its owner may have died a moment ago: if the room moves, the request follows it.
      this.#member.requestSent({ room: roomId, cmd, at: this.now() });
    }
    return this.#link.sendTo(owner, JSON.stringify(message), failed);
  }

  defer(owner: string, room: string, cmd: MemberCommand): void {
    if (cmd.kind !== "leave" && cmd.kind !== "away") return;
    this.#member.defer({ owner, room, cmd });
  }

  /**
   * Closes our side. Rooms not kept are closed already (registry.shutdown) and the lease goes.
   * Kept rooms (saved by now) are let go instead: the others claim them at once, and our
   * session index stays for the resumes on their way, until the rooms' new owners move it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushDirectory();
    this.#owner.flush();
    this.#closed = true;
    this.#registered.resolve(); // nobody waits for a closed link
    if (this.#heartbeat !== null) this.#options.clock.clearTimer(this.#heartbeat);
    if (this.#link.up) {
      const link = this.#link;
      const store = this.store;
      if (store) {
        const rooms = [...this.#registry.rooms()].map((room) => room.id);
        await Promise.allSettled(rooms.map((id) => store.release(id)));
        link.announce(JSON.stringify({ t: "released", owner: this.self, rooms }));
        await link.dropLease(this.self).catch(() => {});
      } else {
        await Promise.allSettled([link.dropLease(this.self), link.forgetInstance(this.self)]);
      }
    }
    await this.#link.close();
  }

  // ---- Redis comes and goes ----

  async #onUp(): Promise<void> {
    const link = this.#link;
    this.#upSince = this.now();
    this.#options.log.info("redis connected", { instance: this.self });
    try {
      await this.#renewLease();
      // After a Redis restart the directory is empty: our rooms and sessions go back in.
      const rooms = [...this.#registry.rooms()];
      for (const room of rooms) this.#dirtyRooms.set(room.id, room);
      this.#flushDirectory();
      await link.clearSessions(this.self);
      for (const room of rooms) {
        for (const memberId of room.snapshot().memberIds) {
          link.recordSessions(this.self, { [memberId]: room.id }).catch(() => {});
        }
      }
      await this.#reloadDirectory(false);
      // A Redis that restarted empty forgot our kept rooms: they are written again.
      const store = this.store;
      if (store) {
        await Promise.all(rooms.map((room) => store.saveRoom(room.id, room.record())));
      }
      // Rooms let go by an owner that stopped cleanly are taken at once (a one-instance
      // restart gets its rooms back); those whose lease ran out wait until we are settled.
      if (this.store) await this.#adoptFree(false);
    } catch (error) {
      this.#options.log.warn("redis registration failed", { error: String(error) });
    }
    if (this.#everUp) this.#resync();
    this.#everUp = true;
    this.#registered.resolve();
    // The others resync what they have in our rooms now that we hear them again.
    this.#link.announce(JSON.stringify({ t: "instance_up", owner: this.self }));
    void this.#beat();
  }

  #onDown(): void {
    this.#upSince = null;
    this.#options.log.warn("redis unreachable: remote rooms paused", { instance: this.self });
  }

  /**
   * Back in touch with `owner` (all owners: undefined, when we reconnect; either side may come
   * back first, so this runs on our return and again on each owner's): the leaves and aways kept
   * meanwhile go out, and each connection of ours in the owner's rooms asks for what it missed.
   */
  #resync(owner?: string): void {
    for (const { owner: to, room, cmd } of this.#member.deferredFor(owner, !!owner)) {
      this.sendCommand(to, room, cmd);
    }
    const ownerOf = (room: string) => this.#mirror.get(room)?.record.owner;
    for (const { room, cmd } of this.#member.resyncs(ownerOf, owner)) {
      const to = ownerOf(room);
      if (to) this.sendCommand(to, room, cmd);
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
    await this.#link.renewLease(this.self, this.now(), this.#options.leaseMs);
  }

  async #beat(): Promise<void> {
    if (!this.#link.up || this.#closed) return;
    try {
      await this.#renewLease();
      const store = this.store;
      if (store) {
        // Each room's lease with the instance's; a refusal retires the room here (#lost).
        await Promise.all([...this.#registry.rooms()].map((room) => store.renew(room.id)));
      }
      const link = this.#link;
      const peers = (await link.instances()).filter((id) => id !== this.self);
      const leases = await Promise.all(peers.map((peer) => link.leaseHeld(peer)));
      const live = new Set(peers.filter((_, i) => leases[i]));
      this.#livePeers = live;
      for (const peer of live) {
        link.sendTo(peer, JSON.stringify({ t: "clock_ping", from: this.self, t0: this.now() }));
      }
      // Only once every live instance has had a whole lease to re-register after an outage.
      const settled = this.#upSince !== null && this.now() - this.#upSince >= this.#options.leaseMs;
      if (!settled) return;
      const dead = peers.filter((peer) => !live.has(peer));
      for (const peer of dead) await this.#instanceGone(peer);
      if (++this.#beats % HEARTBEATS_PER_LEASE === 0) {
        await this.#reloadDirectory(true);
        // Kept rooms nobody holds (their owner died without being noticed, say): adopted.
        if (this.store) await this.#adoptFree(true);
      }
      this.#member.expireDeferred(2 * this.#options.leaseMs);
      this.#member.expireRequests(2 * this.#options.leaseMs);
    } catch (error) {
      this.#options.log.debug("heartbeat failed", { error: String(error) });
    }
  }

  /**
   * `peer`'s lease ran out: it is gone. Its rooms leave the directory and close for our
   * connections in them; its connections in our rooms are away (and leave when their grace ends).
   */
  async #instanceGone(peer: string): Promise<void> {
    if (!this.#goneHandled.has(peer)) {
      this.#options.log.warn("instance gone", { instance: peer });
      this.#goneHandled.add(peer);
      this.#owner.instanceGone(peer);
    }
    const rooms = this.#mirror.ownedBy(peer);
    if (this.store) {
      // Its rooms live on: each is claimed by the first survivor to try (a room whose lease
      // has not quite run out yet is tried again at the next heartbeat).
      await this.#adopt(rooms, peer);
      const left = this.#mirror.ownedBy(peer);
      if (left.length > 0) return;
    } else {
      for (const roomId of rooms) {
        await this.#link.removeRoomEntry(roomId);
        this.#remoteRoomGone(roomId, "owner_gone");
      }
    }
    await this.#link.forgetInstance(peer);
    this.#goneHandled.delete(peer);
    this.clocks.forget(peer);
  }

  // ---- kept rooms: adoption, and letting go of a room another instance took ----

  /** Kept rooms nobody holds, adopted here (`expiredToo`: also those whose lease ran out). */
  async #adoptFree(expiredToo: boolean): Promise<void> {
    const store = this.store!;
    const settled = this.#upSince !== null && this.now() - this.#upSince >= this.#options.leaseMs;
    const free = (await store.freeRooms()).filter((room) =>
      !this.#registry.get(room.id) && (room.released || (expiredToo && settled))
    );
    await this.#adopt(free.map((room) => room.id));
  }

  /**
   * Claims each of `roomIds` and, for each claim won, restores the room here (its times moved
   * into our clock from its last owner's). A room another instance won is left to it; a room
   * nothing was kept of is gone (as when rooms are not kept).
   */
  async #adopt(roomIds: readonly string[], deadOwner?: string): Promise<void> {
    const store = this.store!;
    for (const roomId of roomIds) {
      if (this.#registry.get(roomId) || this.#closed) continue;
      const outcome = await store.claim(roomId).catch(() => null);
      if (!outcome || outcome.kind === "held") continue;
      const previous = this.#mirror.get(roomId)?.record.owner ?? deadOwner;
      if (outcome.kind === "missing") {
        if (previous !== undefined && previous !== this.self) {
          await this.#link.removeRoomEntry(roomId).catch(() => {});
          this.#remoteRoomGone(roomId, "owner_gone");
        }
        continue;
      }
      await this.#restoreAdopted(roomId, outcome.record, previous);
    }
  }

  async #restoreAdopted(roomId: string, raw: unknown, previous: string | undefined): Promise<void> {
    const parsed = parseRoomRecord(raw);
    const correction = previous === undefined ? 0 : this.clocks.correction(previous);
    const room = parsed.ok
      ? this.#registry.restore(convertRecordTimes(parsed.record, (t) => t - correction))
      : null;
    if (!room) {
      this.#options.log.warn("a kept room could not be adopted", {
        room: roomId,
        why: parsed.ok ? "refused" : parsed.why,
      });
      await this.store!.release(roomId).catch(() => {});
      return;
    }
    const members = room.snapshot().memberIds;
    // Its sessions are found here before anyone hears where the room is now.
    const sessions = Object.fromEntries(members.map((id) => [id, roomId]));
    await this.#link.recordSessions(this.self, sessions).catch(() => {});
    if (previous !== undefined && previous !== this.self && members.length > 0) {
      await this.#link.forgetSessions(previous, members).catch(() => {});
    }
    this.#mirror.delete(roomId);
    this.#dirtyRooms.set(roomId, room);
    this.#flushDirectory();
    this.#options.log.info("room adopted", {
      room: roomId,
      from: previous,
      members: members.length,
    });
    // Our connections in it were members of a room elsewhere: they are members here now.
    const moving = this.#member.membersIn(roomId);
    const requests = this.#member.pendingRequests(roomId);
    this.#member.roomAdopted(roomId);
    for (const { id, lastSeq } of moving) {
      const connection = this.#registry.listener(id);
      if (connection) {
        room.post({
          kind: "resume",
          memberId: id,
          connection: refOf(connection),
          lastSeq,
          resumeToken: null,
        });
      }
    }
    for (const pending of requests) this.#requestHere(room.id, pending);
  }

  /** A resume or join that was on its way to the room's dead owner, answered here. */
  #requestHere(roomId: string, pending: PendingRequest): void {
    const connection = this.#registry.listener(senderOf(pending.cmd)!.id);
    const room = this.#registry.get(roomId);
    // The same command as it went to the old owner: commands are data.
    if (connection && room) room.post(pending.cmd);
  }

  /**
   * A room of ours moved to `owner` (its new owner adopted it): our connections in it, and the
   * resumes and joins that were on their way to its old owner, go to the new one.
   */
  #moved(roomId: string, owner: string): void {
    this.#options.log.info("room moved", { room: roomId, owner });
    // Taken first: the moves below are kept as waiting requests too, and must go once.
    const waiting = this.#member.pendingRequests(roomId);
    for (const { id, lastSeq } of this.#member.membersIn(roomId)) {
      const name = this.#registry.listener(id)?.name ?? "";
      this.sendCommand(owner, roomId, {
        kind: "resume",
        memberId: id,
        connection: { id, name },
        lastSeq,
        resumeToken: null,
      });
    }
    for (const pending of waiting) this.sendCommand(owner, roomId, pending.cmd);
  }

  /**
   * Our write to a room was refused: another instance adopted it while we had stalled (a long
   * pause, cut off from Redis). It stops here without a word; our connections in it are asked
   * to reconnect and resume, which finds the room where it lives now.
   */
  #lost(roomId: string): void {
    const room = this.#registry.get(roomId);
    if (!room || room.closed) return;
    this.#options.log.warn("room owned by another instance now: let go", { room: roomId });
    const members = room.snapshot().memberIds;
    const connections = this.#registry.retire(roomId);
    this.#owner.forgetMembers(members);
    this.#dirtyRooms.delete(roomId);
    for (const connection of connections) connection.reconnect?.();
  }

  /**
   * The whole directory, read again: rooms we missed appear; with `prune`, rooms no longer in it
   * (closed while Redis was away, say) go.
   */
  async #reloadDirectory(prune: boolean): Promise<void> {
    const entries = await this.#link.roomEntries();
    const seen = new Set<string>();
    for (const text of entries) {
      const record = parseRecord(text);
      if (!record) continue;
      if (record.owner === this.self) {
        // One of ours that closed while Redis was away: the others must forget it too. (A
        // kept room is a candidate for adoption instead, like any other free one.)
        if (!this.#registry.get(record.summary.id) && !this.store) {
          this.roomClosed(record.summary.id);
        }
        continue;
      }
      seen.add(record.summary.id);
      this.#mirrorRecord(record);
    }
    if (!prune) return;
    for (const roomId of this.#mirror.ids()) {
      if (!seen.has(roomId)) this.#remoteRoomGone(roomId, "owner_gone");
    }
  }

  /** Another instance's room, as the directory says it is now (adopted: see #moved). */
  #mirrorRecord(record: DirectoryRecord): void {
    const change = this.#mirror.set(record);
    const entry = this.#mirror.get(record.summary.id);
    if (!change || !entry) return;
    this.#registry.showRemote(new RemoteRoom(entry, this), record.summary, !record.unlisted);
    if (change === "moved") this.#moved(record.summary.id, record.owner);
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
    const link = this.#link;
    const store = this.store;
    for (const [roomId, room] of this.#dirtyRooms) {
      // Announced at once (the room's last frames follow); a stale owner's announcement
      // carries an older epoch than the new owner's, and the others ignore it.
      const epoch = store?.epochOf(roomId) ?? 0;
      if (room && !room.closed) {
        const record = recordOf(room, this.self, epoch);
        const text = JSON.stringify(record);
        if (store) store.writeDirectory(roomId, text).catch(() => {});
        else link.writeRoomEntry(roomId, text).catch(() => {});
        link.announce(JSON.stringify({ t: "room", record }));
      } else {
        if (store) store.writeDirectory(roomId, null).catch(() => {});
        else link.removeRoomEntry(roomId).catch(() => {});
        link.announce(JSON.stringify({ t: "room_gone", room: roomId, owner: this.self, epoch }));
      }
    }
    this.#dirtyRooms.clear();
  }

  // ---- messages from other instances ----

  #onMessage(text: string): void {
    if (this.#closed) return;
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
          this.sendCommand(message.from, room, { kind: "leave", from: { id: memberId, name: "" } });
        });
      case "clock_ping":
        this.#link.sendTo(
          message.from,
          JSON.stringify({ t: "clock_pong", from: this.self, t0: message.t0, t1: this.now() }),
        );
        return;
      case "clock_pong":
        this.clocks.record(message.from, message.t0, message.t1, this.now());
        return;
    }
  }

  #onDirectory(text: string): void {
    if (this.#closed) return;
    const message = parseDirectoryMessage(text);
    if (!message) return;
    if (message.t === "room") return this.#mirrorRecord(message.record);
    if (message.t === "instance_up") {
      if (message.owner !== this.self) this.#resync(message.owner);
      return;
    }
    if (message.t === "released") {
      // A clean stop: its rooms are taken over now, not a lease later.
      if (message.owner !== this.self && this.store) void this.#adopt(message.rooms, message.owner);
      return;
    }
    if (
      message.owner !== this.self && this.#mirror.delete(message.room, message.owner, message.epoch)
    ) {
      this.#registry.hideRemote(message.room);
    }
  }
}
