/**
 * A room's handlers for who is in it: opening, joining (with late-join catch-up and the chat
 * history), leaving (with hand-off), readiness, going away, the resume grace and resuming.
 * Each runs inside the room's queue on its RoomCore.
 */
import {
  build,
  ERRORS,
  type OutboundFrame,
  type Readiness,
  type RoomCloseCode,
} from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";
import { graceTimer, type RoomCore } from "./room_core.ts";
import { mediaEnded, mediaResumed } from "./room_media.ts";
import type { RoomCommand } from "./room_types.ts";

export function onOpen(room: RoomCore): void {
  const hostId = room.hostId;
  room.options.observer.memberJoined(room.id, hostId);
  room.sendTo(hostId, room.roomState());
  room.summaryDirty = true;
}

export function onJoin(
  room: RoomCore,
  joiner: MemberRef,
  admitted: boolean,
  name: string = joiner.name,
): void {
  if (room.members.has(joiner.id)) {
    // A join to the room it is in: its room_state again, and a new name if it asks for one.
    if (room.members.rename(joiner.id, name)) {
      room.broadcast(
        build.participantsUpdate(room.id, joiner.id, room.membership(), room.now()),
        joiner.id,
      );
    }
    room.send(joiner, room.roomState());
    return;
  }
  if (room.members.size >= room.maxMembers) return room.reply(joiner, ERRORS.roomFull);
  if (room.password !== null && !admitted) return room.reply(joiner, ERRORS.passwordRequired);
  // A joiner is NOT ready: it must say so once its player can play (protocol 3.3). One that
  // joins while the room plays catches up on its own and holds no play back.
  const playing = room.playback.playback.playState === "playing";
  room.members.add({ id: joiner.id, name }, playing && !room.playback.hasPendingPlay);
  room.options.observer.memberJoined(room.id, joiner.id);
  room.send(joiner, room.roomState());
  if (room.chat.length > 0) room.send(joiner, build.chatHistory(room.id, room.chat, room.now()));
  room.broadcast(
    build.participantsUpdate(room.id, joiner.id, room.membership(), room.now()),
    joiner.id,
  );
  room.summaryDirty = true;
}

/** A member leaves for good: by leave_room, by disconnecting for too long, or by a switch. */
export function onLeave(
  room: RoomCore,
  leaverId: string,
  hostCode: RoomCloseCode,
  graceOver = false,
) {
  if (!room.members.has(leaverId)) return;
  if (leaverId === room.hostId) {
    const successor = room.members.successor();
    // The host's room closes when it leaves (the upstream behaviour), unless it was made to be
    // handed over, or the host lost its connection and never came back.
    if (successor === null || !(room.handoff || graceOver)) {
      room.close(successor === null && graceOver ? "room_empty" : hostCode, leaverId);
      return;
    }
    // The leaver goes first: the new host's room_state must not reach it, nor list it.
    room.forget(leaverId);
    room.setHost(successor, graceOver ? "host_timeout" : "host_left");
  } else {
    room.forget(leaverId);
  }
  room.broadcast(build.clientLeft(room.id, leaverId, room.membership(), room.now()));
  room.summaryDirty = true;
  // A not-ready member leaving may be what completes the ready set.
  room.readinessChanged();
}

/**
 * A member says how its player is. Ready from a non-member never counts (protocol 5.2). A
 * member that becomes ready while the room plays gets its own play, from where the timeline
 * will be: it catches up without anyone else stopping.
 */
export function onReady(room: RoomCore, member: MemberRef, readiness: Readiness): void {
  if (!room.members.setReadiness(member.id, readiness)) return;
  room.broadcast(build.participantsUpdate(room.id, member.id, room.membership(), room.now()));
  // A player that cannot load the media no longer holds a pending play back (as if away).
  if (readiness === "media_error") return room.readinessChanged();
  if (readiness === "ended") {
    room.readinessChanged();
    return mediaEnded(room, member.id);
  }
  mediaResumed(room, member.id);
  if (readiness !== "ready") return;
  room.members.caughtUp(member.id);
  room.act([room.playback.catchUp(room.now(), member.id, room.hostId)].filter((e) => e !== null));
  room.readinessChanged();
}

export function onAway(room: RoomCore, memberId: string): void {
  if (!room.members.has(memberId) || room.members.isAway(memberId)) return;
  const since = room.now();
  room.members.setAway(memberId);
  room.awaySince.set(memberId, since);
  room.timers.set(graceTimer(memberId), room.graceMs, {
    kind: "grace_expired",
    memberId,
    awaySince: since,
  });
  room.broadcast(build.participantsUpdate(room.id, memberId, room.membership(), since), memberId);
  // An away member no longer holds a pending play back.
  room.readinessChanged();
}

export function onGraceExpired(room: RoomCore, memberId: string, awaySince: number): void {
  if (!room.members.isAway(memberId) || room.awaySince.get(memberId) !== awaySince) return;
  onLeave(room, memberId, "host_left", true);
}

export function onResume(room: RoomCore, command: Extract<RoomCommand, { kind: "resume" }>) {
  const { memberId, connection } = command;
  if (!room.members.has(memberId)) return room.reply(connection, ERRORS.sessionExpired);
  if (!room.members.isAway(memberId)) return room.reply(connection, ERRORS.sessionInUse);
  // The connection is `memberId` from here on: the directory re-keys its port in this step,
  // so nothing reaches it under the old id after this.
  const observer = room.options.observer;
  if (connection.id !== memberId) observer.adopting?.(room.id, connection.id, memberId);
  room.members.return(memberId);
  room.awaySince.delete(memberId);
  room.timers.clear(graceTimer(memberId));
  observer.memberResumed?.(room.id, memberId);
  const missed = command.lastSeq === null ? null : room.outbox.missedBy(memberId, command.lastSeq);
  const now = room.now();
  if (command.resumeToken !== null) {
    room.sendTo(
      memberId,
      build.resumed(memberId, {
        client_id: memberId,
        resume_token: command.resumeToken,
        room: room.id,
        replayed: missed?.length ?? 0,
        state_follows: missed === null,
      }, now),
    );
  }
  catchUpOn(room, memberId, missed);
  room.broadcast(build.participantsUpdate(room.id, memberId, room.membership(), now), memberId);
}

/**
 * A member whose instance may have lost frames (Redis was away) gets what it missed, or the
 * room afresh. One that is no longer a member is told it left (its instance forgets it).
 */
export function onResync(room: RoomCore, member: MemberRef, lastSeq: number | null): void {
  if (!room.members.has(member.id)) {
    room.options.observer.memberLeft(room.id, member.id);
    return;
  }
  catchUpOn(room, member.id, lastSeq === null ? null : room.outbox.missedBy(member.id, lastSeq));
}

/** The broadcasts a member missed, or (null: too old to replay) the room's state and chat. */
function catchUpOn(room: RoomCore, memberId: string, missed: OutboundFrame[] | null): void {
  if (missed !== null) {
    const port = room.options.ports.portOf(memberId);
    for (const frame of missed) port?.send(frame);
    return;
  }
  room.sendTo(memberId, room.roomState());
  if (room.chat.length > 0) {
    room.sendTo(memberId, build.chatHistory(room.id, room.chat, room.now()));
  }
}
