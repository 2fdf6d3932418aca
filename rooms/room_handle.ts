/**
 * A room as the rest of the server addresses it: by id, with the few facts needed before a
 * command is posted (is it full, is it locked, who hosts it), and `post`. A local Room is one;
 * a room owned by another instance is reached through a handle with the same face, so routing
 * never needs to know where a room lives.
 */
import type { Room } from "./room.ts";
import type { RoomCommand } from "./room_types.ts";
import type { PasswordHash } from "./room_types.ts";

export interface RoomHandle {
  readonly id: string;
  readonly maxMembers: number;
  readonly memberCount: number;
  readonly hostId: string;
  /** A locked room's password check; null when open. */
  readonly password: PasswordHash | null | undefined;
  post(command: RoomCommand): void;
}

/**
 * The seam to other instances (cluster/). The registry tells it what its own rooms do, so the
 * shared directory and the instances of remote members can follow, and asks it for rooms that
 * live elsewhere. Without one, the server is a single in-memory process.
 */
export interface RoomFederation {
  /** A room owned by another instance, if the directory knows it. */
  remoteRoom(roomId: string): RoomHandle | undefined;
  /** One of our rooms opened or its summary changed (count, host, ...). */
  roomChanged(room: Room): void;
  roomClosed(roomId: string): void;
  /** Membership of one of our rooms changed; a member on another instance is told there. */
  memberJoined(roomId: string, memberId: string): void;
  memberLeft(roomId: string, memberId: string): void;
  /** A member of one of our rooms resumed on a new connection (its port is in the table). */
  memberResumed(roomId: string, memberId: string): void;
  /**
   * A session to resume is in no room this instance knows of: whether it is in a room elsewhere
   * is only known asynchronously.
   */
  findSession(sessionId: string): Promise<RoomHandle | undefined>;
}
