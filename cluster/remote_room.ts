/**
 * A room owned by another instance, as a RoomHandle: what the directory says of it, and `post`,
 * which sends a member's room command to the owner as it is (commands are data). When Redis
 * is away a command cannot reach the owner: its sender hears so at once, except for a leave or
 * an away, which must not be lost and wait for Redis to return.
 */
import { build, encode, ERRORS } from "../protocol/mod.ts";
import {
  isMemberCommand,
  type MemberCommand,
  type PortLookup,
  type RoomCommand,
  type RoomHandle,
  senderOf,
} from "../rooms/mod.ts";
import type { RemoteEntry } from "./directory.ts";

/** What a remote room needs from the cluster. */
export interface RemoteRoomLink {
  now(): number;
  /** Our connections, by id (a refusal is told to its sender here). */
  readonly ports: PortLookup;
  /**
   * Sends a command to the owner; false when Redis is known to be away, and `failed` called
   * later when it turns out to be (the connection dropped with the command in flight).
   */
  sendCommand(owner: string, roomId: string, command: MemberCommand, failed?: () => void): boolean;
  /** Keeps a leave or away for when Redis returns. */
  defer(owner: string, roomId: string, command: MemberCommand): void;
}

export class RemoteRoom implements RoomHandle {
  constructor(readonly entry: RemoteEntry, readonly link: RemoteRoomLink) {}

  get id(): string {
    return this.entry.record.summary.id;
  }
  get maxMembers(): number {
    return this.entry.record.maxMembers;
  }
  get memberCount(): number {
    return this.entry.record.summary.count;
  }
  get hostId(): string {
    return this.entry.record.hostId;
  }
  get password(): RemoteEntry["password"] {
    return this.entry.password;
  }

  post(command: RoomCommand): void {
    // A room's own commands (timers, open, close) never reach another instance's room.
    if (!isMemberCommand(command)) return;
    const owner = this.entry.record.owner;
    const unreachable = () => {
      if (command.kind === "leave" || command.kind === "away") {
        return this.link.defer(owner, this.id, command);
      }
      const sender = senderOf(command);
      const port = sender && this.link.ports.portOf(sender.id);
      port?.send(encode(build.error(ERRORS.roomUnreachable, this.link.now(), this.id)));
    };
    if (!this.link.sendCommand(owner, this.id, command, unreachable)) unreachable();
  }
}
