/**
 * A room's handlers for who controls playback and how: player_event and state_update under the
 * room's control policy, start_anyway, the playback rate, the policy itself and co-hosts, and
 * handing over the host role. Each runs inside the room's queue on its RoomCore.
 */
import { type ControlPolicy, ERRORS } from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";
import { decodeHash } from "./password_codec.ts";
import type { RoomCore } from "./room_core.ts";
import type { RoomCommand } from "./room_types.ts";

/** The error for someone who may not control playback, worded for the room's policy. */
export function refuse(room: RoomCore, from: MemberRef): void {
  room.reply(from, room.control === "host" ? ERRORS.notHostPlayback : ERRORS.notControllerPlayback);
}

export function onPlayerEvent(
  room: RoomCore,
  command: Extract<RoomCommand, { kind: "player_event" }>,
) {
  if (!room.mayControl(command.from.id)) return refuse(room, command.from);
  const effects = room.playback.command(
    room.now(),
    room.sender(command.from.id),
    command,
    room.members.allReady(),
    room.readyWaitMs(),
  );
  room.act(effects);
}

/** The host's player reports where it is: the host stays the timeline's reference. */
export function onStateUpdate(
  room: RoomCore,
  command: Extract<RoomCommand, { kind: "state_update" }>,
) {
  if (command.from.id !== room.hostId) return room.reply(command.from, ERRORS.notHostState);
  const { verdict, effects } = room.playback.stateUpdate(
    room.now(),
    room.hostId,
    command.position,
    command.playState,
    command.atServerTs ?? null,
  );
  room.act(effects);
  room.options.observer.stateUpdateJudged?.(room.id, verdict);
}

/** Whoever may control starts a waiting play now, without the members it waits for. */
export function onStartAnyway(room: RoomCore, from: MemberRef): void {
  if (!room.mayControl(from.id)) return refuse(room, from);
  const effects = room.playback.startAnyway(room.now());
  if (effects === null) return room.reply(from, ERRORS.nothingPending);
  room.act(effects);
}

export function onSetRate(room: RoomCore, command: Extract<RoomCommand, { kind: "set_rate" }>) {
  if (!room.mayControl(command.from.id)) return refuse(room, command.from);
  const timing = { atServerTs: command.atServerTs, deferred: false };
  room.act(room.playback.setRate(room.now(), room.sender(command.from.id), command.rate, timing));
}

/** The host's settings: each change goes to everyone as a fresh room_state. */
export function onSetControl(room: RoomCore, from: MemberRef, control: ControlPolicy): void {
  if (from.id !== room.hostId) return room.reply(from, ERRORS.notHostSettings);
  room.control = control;
  room.broadcast(room.roomState());
}

/**
 * The host changes the room's options: a lock (its hash made before posting) or an unlock,
 * keep-open, unlisted. Everyone hears a fresh room_state; the room list and the directory
 * follow (locked, and whether the room is listed at all).
 */
export function onSetRoomOptions(
  room: RoomCore,
  command: Extract<RoomCommand, { kind: "set_room_options" }>,
): void {
  if (command.from.id !== room.hostId) return room.reply(command.from, ERRORS.notHostSettings);
  if (command.password !== undefined) {
    room.password = command.password && decodeHash(command.password);
  }
  if (command.handoff !== undefined) room.handoff = command.handoff;
  if (command.unlisted !== undefined) room.unlisted = command.unlisted;
  room.summaryDirty = true;
  room.broadcast(room.roomState());
}

export function onSetCohost(room: RoomCore, from: MemberRef, to: string, cohost: boolean): void {
  if (from.id !== room.hostId) return room.reply(from, ERRORS.notHostSettings);
  if (!room.members.has(to) || to === from.id) return room.reply(from, ERRORS.noSuchMember);
  room.members.setCohost(to, cohost);
  room.broadcast(room.roomState());
}

export function onTransferHost(room: RoomCore, from: MemberRef, to: string): void {
  if (from.id !== room.hostId) return room.reply(from, ERRORS.notHostTransfer);
  if (!room.members.has(to) || to === from.id) return room.reply(from, ERRORS.noSuchMember);
  room.setHost(to, "transfer");
}
