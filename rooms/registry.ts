/**
 * The directory of rooms: rooms by id, which room each member is in, moving a member between
 * rooms, and the room list with the lobby it is pushed to (docs/protocol.md 6). It learns about
 * membership only from what rooms report (RoomObserver), the way a shared directory would
 * when rooms live on other instances. It never asks anyone else: rooms held elsewhere are
 * reported to it (showRemote: a list entry and a RoomHandle to post to), as are their members
 * connected here (noteJoined, noteLeft), and what its own rooms do is told to whoever watches
 * (watch). That is all the cluster needs to build the second directory on it
 * (cluster/cluster_directory.ts); a single process uses this one as it is.
 */
import {
  type ControlPolicy,
  type ErrorInfo,
  ERRORS,
  type OutboundFrame,
  ROOM_LIST_COALESCE_MS,
  ROOM_LIST_MAX_BYTES_PER_SECOND,
  type RoomCloseCode,
  type RoomSummary,
  type Timings,
} from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import type { RoomDirectory } from "./directory.ts";
import { Lobby } from "./lobby.ts";
import { type ListPage, type ListQuery, RoomListing } from "./room_listing.ts";
import { type Member, type MemberRef, refOf } from "./member.ts";
import { MemberPorts } from "./member_ports.ts";
import type { StateUpdateVerdict } from "./policy.ts";
import type { PasswordHash } from "./room_types.ts";
import type { RoomHandle } from "./room_handle.ts";
import { Room, type RoomCommand, type RoomObserver } from "./room.ts";
import type { RoomRecord } from "./room_record.ts";

/** Hooks for logs and metrics; all optional. */
export interface RegistryEvents {
  roomCreated?(roomId: string): void;
  roomClosed?(roomId: string, code: RoomCloseCode): void;
  stateUpdateJudged?(roomId: string, verdict: StateUpdateVerdict): void;
  fault?(roomId: string, command: RoomCommand["kind"], error: unknown): void;
  /** A room changed what is kept of it (store/room_saver.ts saves it). */
  roomChanged?(roomId: string): void;
}

/**
 * What this instance's rooms do, for whoever shares them with other instances (the cluster
 * writes the shared directory and tells members connected elsewhere). Told, never asked.
 */
export interface RoomWatcher {
  /** One of our rooms opened or its summary changed (count, host, ...). */
  summaryChanged(room: Room): void;
  roomClosed(roomId: string): void;
  memberJoined(roomId: string, memberId: string): void;
  memberLeft(roomId: string, memberId: string): void;
  /** A member resumed on a new connection (its port is in the table under its id). */
  memberResumed(roomId: string, memberId: string): void;
}

export interface RegistryOptions {
  readonly clock: Clock;
  readonly timings: Timings;
  readonly maxMembersPerRoom: number;
  readonly maxRooms: number;
  readonly listCoalesceMs?: number;
  /** Write budget for room_list pushes, bytes per second. */
  readonly listMaxBytesPerSecond?: number;
  readonly newRoomId?: () => string;
  readonly events?: RegistryEvents;
  /** How long a dropped member stays away before leaving; 0 leaves at once (upstream). */
  readonly resumeGraceMs?: number;
}

export interface NewRoom {
  readonly host: Member;
  readonly name: string;
  readonly mediaId: string | null;
  readonly mediaUrl?: string | null;
  readonly startPosition: number;
  /** When the host leaves, hand the room to another member instead of closing it. */
  readonly handoff?: boolean;
  readonly control?: ControlPolicy;
  readonly password?: PasswordHash | null;
  /** In no room list: joined by its id. */
  readonly unlisted?: boolean;
}

/** A room of another instance as reported: how to reach it, and its list entry. */
interface RemoteListing {
  readonly room: RoomHandle;
  readonly summary: RoomSummary;
  readonly listed: boolean;
}

/** How far a restored room's message numbering jumps (above a year of state updates). */
export const RESTORED_SEQ_GAP = 2 ** 25;

export class RoomRegistry implements RoomDirectory {
  readonly #options: RegistryOptions;
  readonly #rooms = new Map<string, Room>();
  readonly #listing = new RoomListing();
  readonly #memberRooms = new Map<string, string>();
  /** Authenticated connections by id: each is in a room or in the lobby. */
  readonly #listeners = new Map<string, Member>();
  /**
   * How the rooms here reach their members by id: our connections (from the moment they may
   * send a room command until they close) and, in a cluster, members connected to other
   * instances (the cluster attaches those).
   */
  readonly ports = new MemberPorts();
  readonly #lobby: Lobby;
  /** Members back in no room during this command: they get a fresh list once it is done. */
  readonly #enteringLobby: Member[] = [];
  /** Hosts leaving a room only to open another (createFor): not entering the lobby. */
  readonly #moving = new Set<string>();
  readonly #observer: RoomObserver;
  /**
   * Rooms held by other instances, as reported (showRemote): reached by posting to them. One of
   * ours may be here too, once another instance has taken it over: ours is the one used until
   * it is retired.
   */
  readonly #remote = new Map<string, RemoteListing>();
  readonly #watchers: RoomWatcher[] = [];

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.#lobby = new Lobby({
      clock: options.clock,
      coalesceMs: options.listCoalesceMs ?? ROOM_LIST_COALESCE_MS,
      maxBytesPerSecond: options.listMaxBytesPerSecond ?? ROOM_LIST_MAX_BYTES_PER_SECOND,
      listFrame: (now) => this.listFrame(now),
    });
    const events = options.events ?? {};
    this.#observer = {
      memberJoined: (roomId, memberId) => {
        for (const watcher of this.#watchers) watcher.memberJoined(roomId, memberId);
        this.noteJoined(roomId, memberId);
      },
      memberLeft: (roomId, memberId) => {
        for (const watcher of this.#watchers) watcher.memberLeft(roomId, memberId);
        this.noteLeft(roomId, memberId);
      },
      adopting: (_roomId, connectionId, memberId) => this.#adopt(connectionId, memberId),
      memberResumed: (roomId, memberId) => {
        for (const watcher of this.#watchers) watcher.memberResumed(roomId, memberId);
      },
      summaryChanged: (summary) => {
        const room = this.#rooms.get(summary.id);
        if (!room) return;
        this.#listing.update(summary, !room.unlisted);
        for (const watcher of this.#watchers) watcher.summaryChanged(room);
        this.#listChanged();
      },
      closed: (roomId, code) => {
        this.#rooms.delete(roomId);
        this.#listing.remove(roomId);
        for (const watcher of this.#watchers) watcher.roomClosed(roomId);
        events.roomClosed?.(roomId, code);
        this.#listChanged();
      },
      retired: (roomId, memberIds) => {
        this.#rooms.delete(roomId);
        // It lives on where it was taken: listed as its new owner says.
        const elsewhere = this.#remote.get(roomId);
        if (elsewhere) this.#listing.add(elsewhere.summary, elsewhere.listed);
        else this.#listing.remove(roomId);
        for (const memberId of memberIds) {
          if (this.#memberRooms.get(memberId) === roomId) this.#memberRooms.delete(memberId);
        }
        this.#listChanged();
      },
      stateUpdateJudged: events.stateUpdateJudged,
      fault: events.fault,
      changed: events.roomChanged,
    };
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Connections in no room: the ones room lists are pushed to. */
  get lobbySize(): number {
    return this.#lobby.size;
  }

  /** Whether `count` more rooms fit, given `freed` rooms about to close. */
  hasRoomFor(freed = 0, count = 1): boolean {
    return this.#rooms.size - freed + count <= this.#options.maxRooms;
  }

  /** One of this instance's own rooms. */
  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  /** A room wherever it lives: ours, or one owned by another instance as reported to us. */
  handle(roomId: string): RoomHandle | undefined {
    return this.#rooms.get(roomId) ?? this.#remote.get(roomId)?.room;
  }

  /** `watcher` hears what our rooms do from now on (set before any connection). */
  watch(watcher: RoomWatcher): void {
    this.#watchers.push(watcher);
  }

  /** The authenticated local connection with this id, if any (remote frames are delivered to it). */
  listener(id: string): Member | undefined {
    return this.#listeners.get(id);
  }

  /**
   * `memberId` is now in `roomId`: said by our own rooms, or by another instance about a room
   * it owns and a member connected here.
   */
  noteJoined(roomId: string, memberId: string): void {
    const previous = this.#memberRooms.get(memberId);
    this.#memberRooms.set(memberId, roomId);
    const listener = this.#listeners.get(memberId);
    if (listener) this.#lobby.leave(listener);
    // A switch: the room it was in is left now that the new one has taken it (so a refusal,
    // a full or a locked room, costs it nothing), unless that leave went first (a new room).
    if (previous !== undefined && previous !== roomId && !this.#moving.has(memberId)) {
      this.#postLeave(previous, memberId, undefined);
    }
  }

  /** `memberId` left `roomId` (a stale report, about a room it already left, changes nothing). */
  noteLeft(roomId: string, memberId: string): void {
    if (this.#memberRooms.get(memberId) !== roomId) return;
    this.#memberRooms.delete(memberId);
    const listener = this.#listeners.get(memberId);
    if (!listener) return;
    if (this.#moving.has(memberId)) this.#lobby.enter(listener, false);
    else {
      this.#enteringLobby.push(listener);
      // Our own rooms flush new lobby entrants when their command ends; a remote report has
      // no command around it.
      if (!this.#rooms.has(roomId)) this.#listChanged(false);
    }
  }

  /**
   * A room owned by another instance appeared in the directory, or changed: `room` is how it is
   * reached now (its owner, its size), `summary` its list entry; `listed` false: an unlisted
   * room, reachable by its id but in no list.
   */
  showRemote(room: RoomHandle, summary: RoomSummary, listed = true): void {
    this.#remote.set(summary.id, { room, summary, listed });
    if (this.#rooms.has(summary.id)) return;
    this.#listing.add(summary, listed);
    this.#listChanged();
  }

  /** A room owned by another instance is gone from the directory. */
  hideRemote(roomId: string): void {
    this.#remote.delete(roomId);
    if (this.#rooms.has(roomId)) return;
    this.#listing.remove(roomId);
    this.#listChanged();
  }

  /** The id of the room `memberId` is in, if any. */
  roomOf(memberId: string): string | undefined {
    return this.#memberRooms.get(memberId);
  }

  rooms(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  /** Creates a room with `host` as its host; null when the server holds its maximum. */
  create(spec: NewRoom): Room | null {
    if (this.#rooms.size >= this.#options.maxRooms) return null;
    const id = this.#options.newRoomId?.() ?? crypto.randomUUID();
    this.#reachable(spec.host);
    const room = new Room({
      id,
      name: spec.name,
      mediaId: spec.mediaId,
      mediaUrl: spec.mediaUrl,
      startPosition: spec.startPosition,
      host: refOf(spec.host),
      ports: this.ports,
      clock: this.#options.clock,
      timings: this.#options.timings,
      maxMembers: this.#options.maxMembersPerRoom,
      observer: this.#observer,
      handoff: spec.handoff,
      control: spec.control,
      password: spec.password,
      unlisted: spec.unlisted,
      resumeGraceMs: this.#options.resumeGraceMs,
    });
    this.#rooms.set(id, room);
    this.#remote.delete(id);
    this.#listing.add(room.summary(), !room.unlisted);
    this.#options.events?.roomCreated?.(id);
    room.post({ kind: "open" });
    return room;
  }

  /**
   * A saved room made live again (after a restart): nobody is connected, so every member is
   * away from `now` (or since it went away, if earlier) and may resume within its grace; the
   * room's id, roles, timeline and chat are the saved ones. Null when the server is full or the
   * record cannot be a room (an id already open, no host among its members).
   */
  restore(record: RoomRecord): Room | null {
    if (this.#rooms.size >= this.#options.maxRooms || this.#rooms.has(record.id)) return null;
    const now = this.#options.clock.now();
    const away: RoomRecord = {
      ...record,
      // The host's position reports are not saved, yet each had a seq: the numbering jumps past
      // any a client may have seen, so every resuming member gets the room's state afresh.
      seq: record.seq + RESTORED_SEQ_GAP,
      members: record.members.map((member) => ({
        ...member,
        away: true,
        awaySince: member.away ? Math.min(member.awaySince ?? now, now) : now,
      })),
    };
    const room = Room.restore(away, {
      clock: this.#options.clock,
      timings: this.#options.timings,
      observer: this.#observer,
      ports: this.ports,
    });
    if (!room) return null;
    this.#rooms.set(room.id, room);
    // An adopted room was another instance's: it is ours now, posted to here.
    this.#remote.delete(room.id);
    this.#listing.add(room.summary(), !room.unlisted);
    for (const member of away.members) this.#memberRooms.set(member.id, room.id);
    this.#listChanged();
    return room;
  }

  /**
   * One of our rooms is owned by another instance now (rooms kept in Redis; this one's writes
   * were refused): it stops here without a word and is forgotten. Returns our connections that
   * were in it (the caller sends them on to the new owner).
   */
  retire(roomId: string): Member[] {
    const room = this.#rooms.get(roomId);
    if (!room) return [];
    const connections = room.snapshot().memberIds
      .map((id) => this.#listeners.get(id))
      .filter((listener): listener is Member => listener !== undefined);
    room.post({ kind: "retire" });
    return connections;
  }

  /**
   * `host` leaves its room, if any (a room it hosts closes with "Host started a new room"),
   * and hosts a new one (protocol 3.2). A host's own room frees a place as it closes, so only others'
   * rooms can make the server full.
   */
  createFor(spec: NewRoom): ErrorInfo | null {
    if (this.#closed(spec.host)) return null;
    const current = this.#rooms.get(this.#memberRooms.get(spec.host.id) ?? "");
    // Only a room of ours frees a place here (another instance's room frees one there).
    const freesARoom = current?.hostId === spec.host.id;
    if (!this.hasRoomFor(freesARoom ? 1 : 0)) return ERRORS.serverFull;
    let room: Room | null = null;
    this.#move(spec.host, "host_new_room", () => room = this.create(spec));
    return room ? null : ERRORS.serverFull;
  }

  /**
   * `member` asks to join room `roomId` (protocol 3.3): only "no such room" is said here. The
   * room alone decides (full, locked), here or on its owner's instance, and tells a refused
   * joiner itself; once it accepts, the member leaves the room it was in (noteJoined), so a
   * refusal costs it nothing, whatever a possibly stale copy of the room said.
   */
  join(
    member: Member,
    roomId: string | null,
    admitted = false,
    name: string = member.name,
  ): ErrorInfo | null {
    if (this.#closed(member)) return null;
    const room = roomId === null ? undefined : this.handle(roomId);
    if (!room) return ERRORS.roomNotFound;
    const from = refOf(member);
    if (this.#memberRooms.get(member.id) === room.id) {
      room.post({ kind: "join", from, name }); // re-sends room_state
      return null;
    }
    room.post({ kind: "join", from, admitted, name });
    return null;
  }

  /** Takes `member` out of whatever room it is in (no effect when it is in none). */
  leaveCurrentRoom(member: MemberRef): void {
    this.#leave(member.id, undefined);
  }

  /**
   * `memberId`'s connection is gone without a leave: it stays in its room, away, for the
   * resume grace (or leaves at once when there is none).
   */
  memberAway(memberId: string): void {
    if (this.#options.resumeGraceMs === 0) return this.#leave(memberId, undefined);
    const roomId = this.#memberRooms.get(memberId);
    if (roomId === undefined) return;
    this.handle(roomId)?.post({ kind: "away", memberId });
  }

  /**
   * `connection` takes over session `sessionId` (its token checked by the caller) in `room`,
   * where the session is: by default the room it is in here (the cluster's directory finds
   * sessions of other instances and passes their room). The room accepts it only while that
   * member is away, and in the same step the connection becomes `sessionId`. A connection
   * already in a room cannot resume another session.
   */
  resume(
    connection: Member,
    sessionId: string,
    lastSeq: number | null,
    resumeToken = "",
    room: RoomHandle | undefined = this.#sessionRoom(sessionId),
  ): ErrorInfo | null {
    if (this.#closed(connection)) return null;
    if (this.#memberRooms.has(connection.id)) return ERRORS.resumeTooLate;
    if (sessionId === connection.id) return ERRORS.sessionInUse;
    if (!room) return ERRORS.sessionExpired;
    room.post({
      kind: "resume",
      memberId: sessionId,
      connection: refOf(connection),
      lastSeq,
      resumeToken,
    });
    return null;
  }

  #sessionRoom(sessionId: string): RoomHandle | undefined {
    const roomId = this.#memberRooms.get(sessionId);
    return roomId === undefined ? undefined : this.handle(roomId);
  }

  /**
   * `connection` is session `sessionId` from now on (its resume was accepted, by a room here
   * or on the owner's instance): its place among the listeners was under its old id.
   */
  adoptSession(connection: Member, sessionId: string): void {
    const listening = this.#listeners.get(connection.id) === connection;
    const reachable = this.ports.portOf(connection.id) === connection;
    this.removeListener(connection);
    connection.adoptId?.(sessionId);
    if (listening) this.#listeners.set(sessionId, connection);
    if (reachable) this.ports.attach(sessionId, connection);
  }

  /** A room accepted connection `connectionId` as session `sessionId`: its port is re-keyed. */
  #adopt(connectionId: string, sessionId: string): void {
    const listener = this.#listeners.get(connectionId);
    if (listener) return this.adoptSession(listener, sessionId);
    // A member connected to another instance (or only reachable, not listening).
    const port = this.ports.portOf(connectionId);
    if (!port) return;
    this.ports.detach(connectionId, port);
    port.adoptId?.(sessionId);
    this.ports.attach(sessionId, port);
  }

  /** `member` may send room commands: the rooms here reach it by its id. */
  #reachable(member: Member): void {
    this.ports.attach(member.id, member);
  }

  /**
   * A connection's request outlived it (a password or token check that ended after its socket
   * closed): it is no longer reachable, and must not join, create or resume anything, or the
   * room would hold a member nobody can reach and who never goes away.
   */
  #closed(member: Member): boolean {
    return this.ports.portOf(member.id) !== member;
  }

  list(): RoomSummary[] {
    return this.#listing.all();
  }

  /** The rooms that match `query`, one page of them, in the list's own order. */
  page(query: ListQuery): ListPage {
    return this.#listing.page(query);
  }

  /** The room_list message at `now`, ready to send; the list is encoded once per change. */
  listFrame(now: number): OutboundFrame {
    return this.#listing.frame(now);
  }

  /**
   * An authenticated connection: from now on it is in the lobby whenever it is in no room,
   * and it gets the current list at once when it is.
   */
  addListener(listener: Member): void {
    this.#listeners.set(listener.id, listener);
    this.ports.attach(listener.id, listener);
    if (!this.#memberRooms.has(listener.id)) this.#lobby.enter(listener, true);
  }

  removeListener(listener: Member): void {
    if (this.#listeners.get(listener.id) === listener) this.#listeners.delete(listener.id);
    this.ports.detach(listener.id, listener);
    this.#lobby.leave(listener);
  }

  /**
   * The process stops and its rooms are kept (a durable store has them): the list pushes stop,
   * and the rooms stay open to the end, saying nothing (their members come back to them).
   */
  suspend(): void {
    this.#lobby.stop();
    this.#listeners.clear();
  }

  /** Closes every room (their members hear why) and stops the list pushes. */
  shutdown(code: RoomCloseCode = "server_shutdown"): void {
    this.#lobby.stop();
    this.#listeners.clear();
    for (const room of [...this.#rooms.values()]) room.post({ kind: "close", code });
  }

  /** Leaves the current room and opens another, without a stop in the lobby in between. */
  #move(member: Member, hostCode: RoomCloseCode | undefined, enter: () => void): void {
    this.#moving.add(member.id);
    try {
      this.#leave(member.id, hostCode);
      enter();
    } finally {
      this.#moving.delete(member.id);
    }
  }

  #leave(memberId: string, hostCode: RoomCloseCode | undefined): void {
    const roomId = this.#memberRooms.get(memberId);
    if (roomId !== undefined) this.#postLeave(roomId, memberId, hostCode);
  }

  #postLeave(roomId: string, memberId: string, hostCode: RoomCloseCode | undefined): void {
    // A leave needs no name: the room knows whom it shows by which. No field is left
    // undefined: a command is data, the same after JSON.
    const from = { id: memberId, name: "" };
    this.handle(roomId)?.post(
      hostCode === undefined ? { kind: "leave", from } : { kind: "leave", from, hostCode },
    );
  }

  /** The list changed: new entrants get it now, the rest of the lobby coalesced. */
  #listChanged(changed = true): void {
    if (changed) this.#lobby.changed();
    for (const member of this.#enteringLobby.splice(0)) {
      // Still in no room and still connected: a fresh list on entering the lobby.
      if (!this.#memberRooms.has(member.id) && this.#listeners.get(member.id) === member) {
        this.#lobby.enter(member, true);
      }
    }
  }
}
