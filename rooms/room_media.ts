/**
 * What a room plays, and what comes next (docs/protocol.md 3.21): set_media changes the media
 * now, the queue holds what follows, and the room moves to the next item when asked, or on
 * its own at the end of an item. Whoever may control playback may change them. Every change
 * reaches everyone as a fresh room_state; new media resets the timeline and readiness, so
 * everyone loads it where they are, without rejoining. Runs inside the room's queue.
 */
import {
  ERRORS,
  MAX_QUEUE_ITEMS,
  type MediaItemInput,
  type MediaOp,
  QUEUE_END_WAIT_MS,
} from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";
import { refuse } from "./room_control.ts";
import { QUEUE_END_TIMER, type RoomCore } from "./room_core.ts";

/**
 * The `client` of a play the room itself starts (the queue's next item): nobody's id, so every
 * player, the host's included, starts at its target.
 */
export const ROOM_SENDER_ID = "";

export function onMedia(room: RoomCore, from: MemberRef, op: MediaOp): void {
  if (!room.mayControl(from.id)) return refuse(room, from);
  switch (op.op) {
    case "set":
      return startItem(room, { ...op.item, id: newItemId(room) }, false);
    case "add":
      if (room.queue.length >= MAX_QUEUE_ITEMS) return room.reply(from, ERRORS.queueFull);
      room.queue.push({
        id: newItemId(room),
        media_url: op.item.url,
        media_id: op.item.mediaId,
        title: op.item.title,
        added_by: from.id,
      });
      return room.broadcast(room.roomState());
    case "remove": {
      const at = room.queue.findIndex((item) => item.id === op.itemId);
      if (at < 0) return room.reply(from, ERRORS.noSuchQueueItem);
      room.queue.splice(at, 1);
      return room.broadcast(room.roomState());
    }
    case "move": {
      const at = room.queue.findIndex((item) => item.id === op.itemId);
      const item = room.queue[at];
      if (!item) return room.reply(from, ERRORS.noSuchQueueItem);
      room.queue.splice(at, 1);
      room.queue.splice(Math.min(op.index, room.queue.length), 0, item);
      return room.broadcast(room.roomState());
    }
    case "next":
      if (!playNext(room)) return room.reply(from, ERRORS.queueEmpty);
      return;
  }
}

/**
 * A member's player reached the end of the media (readiness `ended`): once every player that
 * works has, the next item starts; the host's end also starts a bounded wait for the rest.
 */
export function mediaEnded(room: RoomCore, memberId: string): void {
  if (room.queue.length === 0) return;
  if (room.members.allEnded()) {
    playNext(room);
    return;
  }
  if (memberId === room.hostId && room.timers.dueAt(QUEUE_END_TIMER) === null) {
    room.timers.set(QUEUE_END_TIMER, QUEUE_END_WAIT_MS, {
      kind: "queue_end_wait_expired",
      itemSeq: room.itemSeq,
    });
  }
}

/** The host's player is no longer at the end (a seek back): nothing moves on by itself. */
export function mediaResumed(room: RoomCore, memberId: string): void {
  if (memberId === room.hostId) room.timers.clear(QUEUE_END_TIMER);
}

export function onQueueEndWaitExpired(room: RoomCore, itemSeq: number): void {
  if (itemSeq !== room.itemSeq) return; // the media changed since
  playNext(room);
}

/** Starts the queue's first item, playing once everyone has loaded it; false when empty. */
function playNext(room: RoomCore): boolean {
  const next = room.queue.shift();
  if (!next) return false;
  const item = { url: next.media_url, mediaId: next.media_id, title: next.title, id: next.id };
  startItem(room, item, true);
  return true;
}

/**
 * `item` plays from now: everyone hears it in room_state (their pages load it), the timeline
 * starts over paused at 0 and every member but the host is loading. `autoplay`: a play from
 * 0 waits for them (bounded like any), and everyone, the host too, starts at its target.
 */
function startItem(
  room: RoomCore,
  item: MediaItemInput & { readonly id: string },
  autoplay: boolean,
): void {
  const now = room.now();
  room.mediaUrl = item.url;
  room.mediaId = item.mediaId;
  room.mediaTitle = item.title;
  room.itemId = item.id;
  room.itemSeq++;
  room.timers.clear(QUEUE_END_TIMER);
  room.act(room.playback.load(now, 0));
  room.members.mediaChanged(room.hostId);
  room.summaryDirty = true; // the room list shows the media id
  room.broadcast(room.roomState());
  if (!autoplay) return;
  const play = {
    action: "play",
    position: 0,
    playState: null,
    timing: { atServerTs: null, deferred: true },
  } as const;
  const sender = { id: ROOM_SENDER_ID, echo: true };
  room.act(
    room.playback.command(now, sender, play, room.members.allReady(), room.readyWaitMs()),
  );
}

function newItemId(room: RoomCore): string {
  return String(room.nextItemId++);
}
