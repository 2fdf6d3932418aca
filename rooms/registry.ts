/**
 * The directory of rooms: rooms by id, which room each member is in, the room list, and its
 * coalesced broadcasts (PROTOCOL.md §5). It learns about membership only from what rooms
 * report (RoomObserver), the way a shared directory would when rooms live on other instances.
 */
import {
  encodeRoomList,
  type OutboundFrame,
  ROOM_LIST_COALESCE_MS,
  ROOM_LIST_MAX_BYTES_PER_SECOND,
  type RoomSummary,
  type Timings,
} from "../protocol/mod.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { Member } from "./member.ts";
import { Room, type RoomCommand, type RoomObserver, SERVER_SHUTDOWN_REASON } from "./room.ts";
import type { StateUpdateVerdict } from "./policy.ts";

/** Hooks for logs and metrics; all optional. */
export interface RegistryEvents {
  roomCreated?(roomId: string): void;
  roomClosed?(roomId: string, reason: string): void;
  stateUpdateJudged?(roomId: string, verdict: StateUpdateVerdict): void;
  fault?(roomId: string, command: RoomCommand["kind"], error: unknown): void;
}

export interface RegistryOptions {
  readonly clock: Clock;
  readonly timings: Timings;
  readonly maxMembersPerRoom: number;
  readonly maxRooms: number;
  readonly listCoalesceMs?: number;
  /** Write budget for room_list broadcasts, bytes per second. */
  readonly listMaxBytesPerSecond?: number;
  readonly newRoomId?: () => string;
  readonly events?: RegistryEvents;
}

export interface NewRoom {
  readonly host: Member;
  readonly name: string;
  readonly mediaId: string | null;
  readonly startPosition: number;
}

export class RoomRegistry {
  readonly #options: RegistryOptions;
  readonly #rooms = new Map<string, Room>();
  readonly #summaries = new Map<string, RoomSummary>();
  readonly #memberRooms = new Map<string, string>();
  /** Authenticated connections: they receive every room_list broadcast. */
  readonly #listeners = new Set<Member>();
  /** The list and its JSON, made once per change (null: changed since). */
  #listCache: { readonly rooms: RoomSummary[]; readonly json: string } | null = null;
  /** No room_list broadcast before this instant (the window, stretched by the budget). */
  #nextListTs = Number.NEGATIVE_INFINITY;
  #listTimer: TimerId | null = null;
  /** After shutdown nothing is broadcast and no timer is set. */
  #stopped = false;
  readonly #observer: RoomObserver;

  constructor(options: RegistryOptions) {
    this.#options = options;
    const events = options.events ?? {};
    this.#observer = {
      memberJoined: (roomId, memberId) => this.#memberRooms.set(memberId, roomId),
      memberLeft: (roomId, memberId) => {
        if (this.#memberRooms.get(memberId) === roomId) this.#memberRooms.delete(memberId);
      },
      summaryChanged: (summary) => {
        if (!this.#rooms.has(summary.id)) return;
        this.#summaries.set(summary.id, summary);
        this.#listChanged();
      },
      closed: (roomId, reason) => {
        this.#rooms.delete(roomId);
        this.#summaries.delete(roomId);
        events.roomClosed?.(roomId, reason);
        this.#listChanged();
      },
      stateUpdateJudged: events.stateUpdateJudged,
      fault: events.fault,
    };
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Whether `count` more rooms fit, given `freed` rooms about to close. */
  hasRoomFor(freed = 0, count = 1): boolean {
    return this.#rooms.size - freed + count <= this.#options.maxRooms;
  }

  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
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
    const room = new Room({
      id,
      name: spec.name,
      mediaId: spec.mediaId,
      startPosition: spec.startPosition,
      host: spec.host,
      clock: this.#options.clock,
      timings: this.#options.timings,
      maxMembers: this.#options.maxMembersPerRoom,
      observer: this.#observer,
    });
    this.#rooms.set(id, room);
    this.#summaries.set(id, room.summary());
    this.#listCache = null;
    this.#options.events?.roomCreated?.(id);
    room.post({ kind: "open" });
    return room;
  }

  /** Takes `member` out of whatever room it is in (no effect when it is in none). */
  leaveCurrentRoom(member: Member, hostReason?: string): void {
    const roomId = this.#memberRooms.get(member.id);
    if (roomId === undefined) return;
    this.#rooms.get(roomId)?.post({ kind: "leave", from: member, hostReason });
  }

  list(): RoomSummary[] {
    return [...this.#summaries.values()];
  }

  /** The room_list message at `now`, ready to send; the list is encoded once per change. */
  listFrame(now: number): OutboundFrame {
    if (this.#listCache === null) {
      const rooms = this.list();
      this.#listCache = { rooms, json: JSON.stringify(rooms) };
    }
    return encodeRoomList(this.#listCache.rooms, this.#listCache.json, now);
  }

  addListener(listener: Member): void {
    this.#listeners.add(listener);
  }

  removeListener(listener: Member): void {
    this.#listeners.delete(listener);
  }

  /** Closes every room (their members hear why) and stops the list timer. */
  shutdown(reason = SERVER_SHUTDOWN_REASON): void {
    this.#stopped = true;
    for (const room of [...this.#rooms.values()]) room.post({ kind: "close", reason });
    if (this.#listTimer !== null) this.#options.clock.clearTimer(this.#listTimer);
    this.#listTimer = null;
    this.#listeners.clear();
  }

  /**
   * At most one broadcast per coalescing window, always with the latest list: the first change
   * after a quiet window goes out at once, later ones ride on one broadcast at the window's end.
   * A broadcast that wrote a lot stretches the window so list traffic stays within its budget.
   */
  #listChanged(): void {
    this.#listCache = null;
    if (this.#listTimer !== null || this.#stopped) return;
    const { clock } = this.#options;
    const wait = this.#nextListTs - clock.now();
    if (wait <= 0) {
      this.#broadcastList();
      return;
    }
    this.#listTimer = clock.setTimer(wait, () => {
      this.#listTimer = null;
      this.#broadcastList();
    });
  }

  #broadcastList(): void {
    const now = this.#options.clock.now();
    const window = this.#options.listCoalesceMs ?? ROOM_LIST_COALESCE_MS;
    this.#nextListTs = now + window;
    if (this.#listeners.size === 0) return;
    const frame = this.listFrame(now);
    for (const listener of this.#listeners) listener.send(frame);
    const budget = this.#options.listMaxBytesPerSecond ?? ROOM_LIST_MAX_BYTES_PER_SECOND;
    // UTF-16 length: a close, cheap stand-in for the UTF-8 size of mostly-ASCII JSON.
    const written = frame.text.length * this.#listeners.size;
    this.#nextListTs = now + Math.max(window, (written / budget) * 1_000);
  }
}
