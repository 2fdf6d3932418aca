/**
 * A room owned by another instance, as a RoomHandle: what the directory says of it, and `post`,
 * which turns a room command into a `cmd` message to the owner (the Member objects become
 * references; the owner rebuilds them). When Redis is away a command cannot reach the owner:
 * its sender hears so at once, except for a leave or an away, which must not be lost and wait
 * for Redis to return.
 */
import { build, encode, ERRORS } from "../protocol/mod.ts";
import type { RoomCommand, RoomHandle } from "../rooms/mod.ts";
import type { RemoteEntry } from "./directory.ts";
import type { MemberRef, WireCommand } from "./peer_messages.ts";
import { toWire } from "./wire_commands.ts";

/** What a remote room needs from the cluster. */
export interface RemoteRoomLink {
  now(): number;
  /**
   * Sends a command to the owner; false when Redis is known to be away, and `failed` called
   * later when it turns out to be (the connection dropped with the command in flight).
   */
  sendCommand(
    owner: string,
    roomId: string,
    member: MemberRef,
    cmd: WireCommand,
    failed?: () => void,
  ): boolean;
  /** Keeps a leave or away for when Redis returns. */
  defer(owner: string, roomId: string, member: MemberRef, cmd: WireCommand): void;
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
    const wire = toWire(command);
    if (!wire) return;
    const owner = this.entry.record.owner;
    const unreachable = () => {
      if (wire.cmd.kind === "leave" || wire.cmd.kind === "away") {
        return this.link.defer(owner, this.id, wire.member, wire.cmd);
      }
      const sender = "from" in command
        ? command.from
        : "connection" in command
        ? command.connection
        : null;
      sender?.send(encode(build.error(ERRORS.roomUnreachable, this.link.now(), this.id)));
    };
    if (!this.link.sendCommand(owner, this.id, wire.member, wire.cmd, unreachable)) unreachable();
  }
}
