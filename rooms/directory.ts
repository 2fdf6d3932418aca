/**
 * What the server asks of the rooms, whoever keeps them: the directory a connection's requests
 * go through. Joining, creating, leaving, going away and resuming are requests that name a
 * room by id; the room (here or on another instance) answers them itself. Connections come and
 * go through it too (the lobby, where room lists are pushed, is theirs while in no room).
 *
 * Two implementations: RoomRegistry (rooms/registry.ts), a single process's rooms in memory,
 * and, with several instances (REDIS_URL), ClusterDirectory (cluster/cluster_directory.ts),
 * which adds the rooms and sessions of the other instances. The server is given one of them;
 * its connection, dispatch and routes know only this interface.
 */
import type { ErrorInfo, OutboundFrame } from "../protocol/mod.ts";
import type { Member, MemberRef } from "./member.ts";
import type { NewRoom } from "./registry.ts";
import type { RoomHandle } from "./room_handle.ts";
import type { ListPage, ListQuery } from "./room_listing.ts";

export interface RoomDirectory {
  /** Rooms this instance holds. */
  readonly roomCount: number;
  /** Connections in no room: the ones room lists are pushed to. */
  readonly lobbySize: number;
  /** A room wherever it lives (here, or on another instance). */
  handle(roomId: string): RoomHandle | undefined;
  /** The id of the room `memberId` is in, if any. */
  roomOf(memberId: string): string | undefined;
  /** `spec.host` leaves its room, if any, and hosts a new one; an error when none can be made. */
  createFor(spec: NewRoom): ErrorInfo | null;
  /**
   * `member` asks to join `roomId`: "no such room" is the only error said here; the room answers
   * the rest itself, and the member leaves its current room only once the new one accepts it.
   */
  join(member: Member, roomId: string | null, admitted?: boolean, name?: string): ErrorInfo | null;
  leaveCurrentRoom(member: MemberRef): void;
  /** `memberId`'s connection is gone without a leave: away for the resume grace. */
  memberAway(memberId: string): void;
  /** `connection` takes session `sessionId` back (async when it may be on another instance). */
  resume(
    connection: Member,
    sessionId: string,
    lastSeq: number | null,
    resumeToken?: string,
  ): ErrorInfo | null | Promise<ErrorInfo | null>;
  /** An authenticated connection: in the lobby whenever it is in no room. */
  addListener(listener: Member): void;
  removeListener(listener: Member): void;
  page(query: ListQuery): ListPage;
  listFrame(now: number): OutboundFrame;
}
