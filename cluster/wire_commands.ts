/**
 * Room commands on their way between instances and back: `toWire` drops the Member objects
 * (a reference goes instead) and `fromWire` rebuilds the command on the owner with the
 * owner's Member for the sender, its times converted into the owner's clock.
 */
import { decodeHash, encodeHash, type Member, type RoomCommand } from "../rooms/mod.ts";
import type { MemberRef, WireCommand } from "./peer_messages.ts";

export function refOf(member: Member): MemberRef {
  return { id: member.id, name: member.name, rtt: member.rttMs ?? null };
}

/** A command as it travels; null for the ones only a room's own timers post. */
export function toWire(command: RoomCommand): { member: MemberRef; cmd: WireCommand } | null {
  switch (command.kind) {
    case "join":
      return on(command.from, { kind: "join", admitted: command.admitted ?? false });
    case "leave":
      return on(command.from, { kind: "leave", hostCode: command.hostCode ?? null });
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
    case "set_room_options":
      return on(command.from, {
        kind: "set_room_options",
        ...(command.password !== undefined &&
          { password: command.password && encodeHash(command.password) }),
        ...(command.handoff !== undefined && { handoff: command.handoff }),
        ...(command.unlisted !== undefined && { unlisted: command.unlisted }),
      });
    case "set_cohost":
      return on(command.from, { kind: "set_cohost", to: command.to, cohost: command.cohost });
    case "resync":
      return on(command.from, { kind: "resync", lastSeq: command.lastSeq });
    case "media":
      return on(command.from, { kind: "media", op: command.op });
    case "open":
    case "close":
    case "retire":
    case "ready_wait_expired":
    case "grace_expired":
    case "queue_end_wait_expired":
      return null;
  }
}

function on(member: Member, cmd: WireCommand): { member: MemberRef; cmd: WireCommand } {
  return { member: refOf(member), cmd };
}

/** A wire command back as the room command it was, with `member` as its sender. */
export function fromWire(
  cmd: Exclude<WireCommand, { kind: "away" | "resume" }>,
  member: Member,
  toLocal: (t: number | null) => number | null,
): RoomCommand {
  switch (cmd.kind) {
    case "join":
      return { kind: "join", from: member, admitted: cmd.admitted };
    case "leave":
      return { kind: "leave", from: member, hostCode: cmd.hostCode ?? undefined };
    case "ready":
      return { kind: "ready", from: member, readiness: cmd.readiness };
    case "player_event":
      return {
        kind: "player_event",
        from: member,
        action: cmd.action,
        position: cmd.position,
        playState: cmd.playState,
        timing: { atServerTs: toLocal(cmd.atServerTs), deferred: cmd.deferred },
      };
    case "state_update":
      return {
        kind: "state_update",
        from: member,
        position: cmd.position,
        playState: cmd.playState,
        atServerTs: toLocal(cmd.atServerTs),
      };
    case "chat":
      return { kind: "chat", from: member, text: cmd.text };
    case "resync":
      return { kind: "resync", from: member, lastSeq: cmd.lastSeq };
    case "transfer_host":
      return { kind: "transfer_host", from: member, to: cmd.to };
    case "start_anyway":
      return { kind: "start_anyway", from: member };
    case "set_rate":
      return {
        kind: "set_rate",
        from: member,
        rate: cmd.rate,
        atServerTs: toLocal(cmd.atServerTs),
      };
    case "set_control":
      return { kind: "set_control", from: member, control: cmd.control };
    case "set_room_options":
      return {
        kind: "set_room_options",
        from: member,
        ...(cmd.password !== undefined && { password: cmd.password && decodeHash(cmd.password) }),
        ...(cmd.handoff !== undefined && { handoff: cmd.handoff }),
        ...(cmd.unlisted !== undefined && { unlisted: cmd.unlisted }),
      };
    case "set_cohost":
      return { kind: "set_cohost", from: member, to: cmd.to, cohost: cmd.cohost };
    case "media":
      return { kind: "media", from: member, op: cmd.op };
  }
}
