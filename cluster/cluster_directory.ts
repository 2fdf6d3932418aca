/**
 * The directory of rooms when several instances share them (REDIS_URL): the second
 * implementation of RoomDirectory, the one the server is given in a cluster.
 *
 * This instance's rooms, the lobby and the merged list are the in-memory registry's, and the
 * cluster keeps the registry told of what lives elsewhere: other instances' rooms as RemoteRooms
 * (a join or a leave posts to the owner the same way it posts to a room here), and the rooms
 * elsewhere that our connections are in. What this directory adds is what only the shared
 * session index knows: which room a session that was connected to another instance is in, so
 * a member whose connection came back here resumes it where the room lives.
 */
import { type ErrorInfo, ERRORS, type OutboundFrame } from "../protocol/mod.ts";
import type {
  Member,
  MemberRef,
  NewRoom,
  RoomDirectory,
  RoomHandle,
  RoomRegistry,
} from "../rooms/mod.ts";
import type { ListPage, ListQuery } from "../rooms/room_listing.ts";

/** Where a session connected to any instance is: the cluster's shared index. */
export interface SessionFinder {
  findSession(sessionId: string): Promise<RoomHandle | undefined>;
}

export class ClusterDirectory implements RoomDirectory {
  readonly #registry: RoomRegistry;
  readonly #sessions: SessionFinder;

  constructor(registry: RoomRegistry, sessions: SessionFinder) {
    this.#registry = registry;
    this.#sessions = sessions;
  }

  get roomCount(): number {
    return this.#registry.roomCount;
  }

  get lobbySize(): number {
    return this.#registry.lobbySize;
  }

  handle(roomId: string): RoomHandle | undefined {
    return this.#registry.handle(roomId);
  }

  roomOf(memberId: string): string | undefined {
    return this.#registry.roomOf(memberId);
  }

  createFor(spec: NewRoom): ErrorInfo | null {
    return this.#registry.createFor(spec);
  }

  join(member: Member, roomId: string | null, admitted?: boolean, name?: string): ErrorInfo | null {
    return this.#registry.join(member, roomId, admitted, name);
  }

  leaveCurrentRoom(member: MemberRef): void {
    this.#registry.leaveCurrentRoom(member);
  }

  memberAway(memberId: string): void {
    this.#registry.memberAway(memberId);
  }

  /**
   * A session in no room this instance knows of may have been connected to another one: the
   * shared index says which room it is in, and the resume goes there (asked again of the
   * registry, since the connection may have closed or joined a room meanwhile).
   */
  resume(
    connection: Member,
    sessionId: string,
    lastSeq: number | null,
    resumeToken = "",
  ): ErrorInfo | null | Promise<ErrorInfo | null> {
    const registry = this.#registry;
    const here = registry.resume(connection, sessionId, lastSeq, resumeToken);
    if (here?.code !== ERRORS.sessionExpired.code) return here;
    return this.#sessions.findSession(sessionId).then((room) =>
      registry.resume(connection, sessionId, lastSeq, resumeToken, room)
    );
  }

  addListener(listener: Member): void {
    this.#registry.addListener(listener);
  }

  removeListener(listener: Member): void {
    this.#registry.removeListener(listener);
  }

  page(query: ListQuery): ListPage {
    return this.#registry.page(query);
  }

  listFrame(now: number): OutboundFrame {
    return this.#registry.listFrame(now);
  }
}
