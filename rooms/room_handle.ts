/**
 * A room as the rest of the server addresses it: by id, with the few facts needed before a
 * command is posted (is it full, is it locked, who hosts it), and `post`. A local Room is one;
 * a room owned by another instance is reached through a handle with the same face, so routing
 * never needs to know where a room lives.
 */
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
