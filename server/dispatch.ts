/**
 * Who handles a validated message: the registry (list, create, join, leave), the sender's room
 * (ready, playback, chat), or a direct reply (ping). Rooms never see sockets or JSON.
 */
import {
  build,
  type ClientMessage,
  encode,
  type ErrorInfo,
  ERRORS,
  MAX_CLIENT_LOG_CHARS,
  sanitizeName,
} from "../protocol/mod.ts";
import type { Clock } from "../rooms/clock.ts";
import type { Member } from "../rooms/member.ts";
import type { RoomRegistry } from "../rooms/registry.ts";
import type { Room } from "../rooms/room.ts";
import type { Logger } from "./log.ts";
import type { ServerMetrics } from "./metrics.ts";

/** The sender as dispatch sees it: a member that can be renamed and answered. */
export interface Session extends Member {
  /** With auth off, `user_name` in a payload names the user; with auth on it never does. */
  adoptUserName(raw: string | null | undefined): void;
  sendError(error: ErrorInfo, room?: string | null): void;
  /** Takes one room creation from the sender's budget; false when it is spent. */
  allowRoomCreation(): boolean;
}

export interface DispatchContext {
  readonly clock: Clock;
  readonly registry: RoomRegistry;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
}

type Of<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

export function dispatch(ctx: DispatchContext, session: Session, message: ClientMessage): void {
  switch (message.type) {
    case "list_rooms":
      session.send(ctx.registry.listFrame(ctx.clock.now()));
      return;
    case "create_room":
      // Over budget, nothing changes: no room, no leaving the current one, no renaming.
      if (!session.allowRoomCreation()) return session.sendError(ERRORS.roomCreationLimited);
      return createRoom(ctx, session, message);
    case "join_room":
      return joinRoom(ctx, session, message);
    case "leave_room":
      ctx.registry.leaveCurrentRoom(session);
      return;
    case "ready":
      // A ready for a room that is gone (the host just left) is a normal race: ignore it.
      targetRoom(ctx, session, message.room)?.post({ kind: "ready", from: session });
      return;
    case "player_event": {
      const room = targetRoom(ctx, session, message.room);
      if (!room) return session.sendError(ERRORS.roomNotFound, message.room);
      const { action, position, play_state, at_server_ts, deferred } = message.payload;
      room.post({
        kind: "player_event",
        from: session,
        action,
        position,
        playState: play_state,
        timing: { atServerTs: at_server_ts, deferred },
      });
      return;
    }
    case "state_update": {
      const room = targetRoom(ctx, session, message.room);
      if (!room) return session.sendError(ERRORS.roomNotFound, message.room);
      const { position, play_state, at_server_ts } = message.payload;
      room.post({
        kind: "state_update",
        from: session,
        position,
        playState: play_state,
        atServerTs: at_server_ts,
      });
      return;
    }
    case "chat_message": {
      if (!message.room) return session.sendError(ERRORS.chatRoomRequired);
      const room = ctx.registry.get(message.room);
      if (!room) return session.sendError(ERRORS.notInRoom, message.room);
      room.post({ kind: "chat", from: session, text: message.payload.text });
      return;
    }
    case "ping":
      session.send(
        encode(build.pong(message.room, session.id, message.rawPayload, ctx.clock.now())),
      );
      return;
    case "sync_report":
      return syncReport(ctx, session, message);
    case "client_log":
      return clientLog(ctx, session, message);
    case "auth":
      // The connection owns authentication; reaching here is a wiring bug.
      throw new Error("auth must be handled by the connection");
  }
}

/** The room a room-scoped message names, or else the sender's current room. */
function targetRoom(
  ctx: DispatchContext,
  session: Session,
  named: string | null,
): Room | undefined {
  const roomId = named ?? ctx.registry.roomOf(session.id);
  return roomId === undefined ? undefined : ctx.registry.get(roomId);
}

function createRoom(ctx: DispatchContext, session: Session, message: Of<"create_room">): void {
  const { name, start_pos, media_id, media_url, user_name } = message.payload;
  session.adoptUserName(user_name);
  const error = ctx.registry.createFor({
    host: session,
    name: sanitizeName(name, `${session.name}'s room`),
    mediaId: media_id ?? null,
    mediaUrl: media_url ?? null,
    startPosition: start_pos,
  });
  if (error) session.sendError(error);
}

function joinRoom(ctx: DispatchContext, session: Session, message: Of<"join_room">): void {
  // The name a join carries is the one the room shows, so it is adopted before joining.
  if (message.room && ctx.registry.get(message.room)) {
    session.adoptUserName(message.payload.user_name);
  }
  const error = ctx.registry.join(session, message.room);
  if (error) session.sendError(error, message.room);
}

/**
 * How well a member follows its room, measured by its own client: into the sync-quality
 * histograms on /metrics. Only from a member of the room it names (or of a room at all).
 */
function syncReport(ctx: DispatchContext, session: Session, message: Of<"sync_report">): void {
  const roomId = ctx.registry.roomOf(session.id);
  if (roomId === undefined || (message.room !== null && message.room !== roomId)) {
    return session.sendError(ERRORS.notInRoom, message.room);
  }
  const { drift_ms, uncertainty_ms } = message.payload;
  ctx.metrics.syncDrift.observe(Math.abs(drift_ms) / 1000);
  if (uncertainty_ms !== null && uncertainty_ms !== undefined) {
    ctx.metrics.clockUncertainty.observe(uncertainty_ms / 1000);
  }
}

function clientLog(ctx: DispatchContext, session: Session, message: Of<"client_log">): void {
  if (!ctx.log.enabled("debug")) return;
  const { category, message: text } = message.payload;
  ctx.log.debug("client_log", {
    client: session.id,
    category: typeof category === "string" ? category.slice(0, 100) : undefined,
    message: String(text ?? "").slice(0, MAX_CLIENT_LOG_CHARS),
  });
}
