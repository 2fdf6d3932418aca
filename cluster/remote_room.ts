/**
 * A room owned by another instance, as a RoomHandle: what the directory says of it, and `post`,
 * which turns a room command into a `cmd` message to the owner (the Member objects become
 * references; the owner rebuilds them). When Redis is away a command cannot reach the owner:
 * its sender hears so at once, except for a leave or an away, which must not be lost and wait
 * for Redis to return.
 */
import { build, encode, ERRORS } from "../protocol/mod.ts";
import type { Member } from "../rooms/member.ts";
import type { RoomHandle } from "../rooms/room_handle.ts";
import type { RoomCommand } from "../rooms/room_types.ts";
import type { RemoteEntry } from "./directory.ts";
import type { MemberRef, WireCommand } from "./peer_messages.ts";

/** What a remote room needs from the cluster. */
export interface RemoteRoomLink {
  now(): number;
  /** Sends a command to the owner; false when Redis is away. */
  sendCommand(owner: string, roomId: string, member: MemberRef, cmd: WireCommand): boolean;
  /** Keeps a leave or away for when Redis returns. */
  defer(owner: string, roomId: string, member: MemberRef, cmd: WireCommand): void;
  /** A resume sent to the owner: `adopt` runs when the owner accepts it. */
  awaitAdopt(connectionId: string, adopt: () => void): void;
}

export function refOf(member: Member): MemberRef {
  return { id: member.id, name: member.name, rtt: member.rttMs ?? null };
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
    if (command.kind === "resume") this.link.awaitAdopt(command.connection.id, command.adopt);
    if (this.link.sendCommand(owner, this.id, wire.member, wire.cmd)) return;
    if (wire.cmd.kind === "leave" || wire.cmd.kind === "away") {
      return this.link.defer(owner, this.id, wire.member, wire.cmd);
    }
    const sender = "from" in command
      ? command.from
      : "connection" in command
      ? command.connection
      : null;
    sender?.send(encode(build.error(ERRORS.roomUnreachable, this.link.now(), this.id)));
  }
}

/** A command as it travels; null for the ones only a room's own timers post. */
export function toWire(command: RoomCommand): { member: MemberRef; cmd: WireCommand } | null {
  switch (command.kind) {
    case "join":
      return on(command.from, { kind: "join", admitted: command.admitted ?? false });
    case "leave":
      return on(command.from, { kind: "leave", hostReason: command.hostReason ?? null });
    case "ready":
      return on(command.from, { kind: "ready", readiness: command.readiness ?? "ready" });
    case "player_event":
      return on(command.from, {
        kind: "player_event",
        action: command.action,
        position: command.position,
        playState: command.playState,
        atServerTs: command.timing.atServerTs,
        deferred: command.timing.deferred,
      });
    case "state_update":
      return on(command.from, {
        kind: "state_update",
        position: command.position,
        playState: command.playState,
        atServerTs: command.atServerTs ?? null,
      });
    case "chat":
      return on(command.from, { kind: "chat", text: command.text });
    case "away":
      return { member: { id: command.memberId, name: "", rtt: null }, cmd: { kind: "away" } };
    case "resume":
      return on(command.connection, {
        kind: "resume",
        sessionId: command.memberId,
        lastSeq: command.lastSeq,
        resumeToken: command.resumeToken,
      });
    case "transfer_host":
      return on(command.from, { kind: "transfer_host", to: command.to });
    case "start_anyway":
      return on(command.from, { kind: "start_anyway" });
    case "set_rate":
      return on(command.from, {
        kind: "set_rate",
        rate: command.rate,
        atServerTs: command.atServerTs,
      });
    case "set_control":
      return on(command.from, { kind: "set_control", control: command.control });
    case "set_cohost":
      return on(command.from, { kind: "set_cohost", to: command.to, cohost: command.cohost });
    case "resync":
      return on(command.from, { kind: "resync", lastSeq: command.lastSeq });
    case "open":
    case "close":
    case "ready_wait_expired":
    case "grace_expired":
      return null;
  }
}

function on(member: Member, cmd: WireCommand): { member: MemberRef; cmd: WireCommand } {
  return { member: refOf(member), cmd };
}
