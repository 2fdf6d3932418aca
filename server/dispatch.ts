/**
 * Who handles a validated message: the directory (list, create, join, leave), the sender's room
 * (ready, playback, chat), or a direct reply (ping). Rooms never see sockets or JSON.
 */
import {
  build,
  type ClientMessage,
  encode,
  ERRORS,
  MAX_CLIENT_LOG_CHARS,
  type MediaItemInput,
  type MediaOp,
} from "../protocol/mod.ts";
import { refOf, type RoomCommand, type RoomHandle } from "../rooms/mod.ts";
import { createInvite, createRoom, joinRoom, listRooms, setRoomOptions } from "./room_access.ts";
import type { DispatchContext, Session } from "./session.ts";

type Of<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

type Handler<T extends ClientMessage["type"]> = (
  ctx: DispatchContext,
  session: Session,
  message: Of<T>,
) => Promise<void> | void;

/**
 * One handler for every client message type, keyed by the schema table's types: a message
 * added to PAYLOAD_SCHEMAS without a handler here fails `deno check` (tests/unit/
 * handler_tables_test.ts shows it), instead of being validated and then answered by nothing.
 */
export type MessageHandlers = { readonly [T in ClientMessage["type"]]: Handler<T> };

export const MESSAGE_HANDLERS: MessageHandlers = {
  list_rooms: (ctx, session, message) => listRooms(ctx, session, message),
  create_room: (ctx, session, message) => {
    // Over budget, nothing changes: no room, no leaving the current one, no renaming.
    if (!session.allowRoomCreation()) return session.sendError(ERRORS.roomCreationLimited);
    return createRoom(ctx, session, message);
  },
  join_room: joinRoom,
  create_invite: createInvite,
  leave_room: (ctx, session) => ctx.directory.leaveCurrentRoom(session),
  ready: (ctx, session, message) => {
    // A ready for a room that is gone (the host just left) is a normal race: ignore it.
    targetRoom(ctx, session, message.room)?.post({
      kind: "ready",
      from: refOf(session),
      readiness: message.payload.state,
    });
  },
  start_anyway: (ctx, session, message) =>
    toRoom(ctx, session, message.room, { kind: "start_anyway", from: refOf(session) }),
  set_control: (ctx, session, message) =>
    toRoom(ctx, session, message.room, {
      kind: "set_control",
      from: refOf(session),
      control: message.payload.control,
    }),
  set_room_options: setRoomOptions,
  set_media: (ctx, session, message) =>
    toMedia(ctx, session, message.room, { op: "set", item: mediaItem(message.payload) }),
  queue_add: (ctx, session, message) =>
    toMedia(ctx, session, message.room, { op: "add", item: mediaItem(message.payload) }),
  queue_remove: (ctx, session, message) =>
    toMedia(ctx, session, message.room, { op: "remove", itemId: message.payload.item_id }),
  queue_move: (ctx, session, message) =>
    toMedia(ctx, session, message.room, {
      op: "move",
      itemId: message.payload.item_id,
      index: message.payload.index,
    }),
  queue_next: (ctx, session, message) => toMedia(ctx, session, message.room, { op: "next" }),
  set_cohost: (ctx, session, message) =>
    toRoom(ctx, session, message.room, {
      kind: "set_cohost",
      from: refOf(session),
      to: message.payload.client_id,
      cohost: message.payload.cohost,
    }),
  set_rate: (ctx, session, message) =>
    toRoom(ctx, session, message.room, {
      kind: "set_rate",
      from: refOf(session),
      rate: message.payload.rate,
      atServerTs: message.payload.at_server_ts,
    }),
  player_event: (ctx, session, message) => {
    const { action, position, play_state, at_server_ts, deferred } = message.payload;
    toRoom(ctx, session, message.room, {
      kind: "player_event",
      from: refOf(session),
      action,
      position,
      playState: play_state,
      timing: { atServerTs: at_server_ts, deferred },
    });
  },
  state_update: (ctx, session, message) => {
    const { position, play_state, at_server_ts } = message.payload;
    toRoom(ctx, session, message.room, {
      kind: "state_update",
      from: refOf(session),
      position,
      playState: play_state,
      atServerTs: at_server_ts,
    });
  },
  chat_message: (ctx, session, message) => {
    if (!message.room) return session.sendError(ERRORS.chatRoomRequired);
    const room = ctx.directory.handle(message.room);
    if (!room) return session.sendError(ERRORS.notInRoom, message.room);
    room.post({ kind: "chat", from: refOf(session), text: message.payload.text });
  },
  resume,
  transfer_host: (ctx, session, message) =>
    toRoom(ctx, session, message.room, {
      kind: "transfer_host",
      from: refOf(session),
      to: message.payload.client_id,
    }),
  ping: (ctx, session, message) => {
    session.noteRtt(message.payload.rtt_ms);
    session.send(
      encode(build.pong(message.room, session.id, message.rawPayload, ctx.clock.now())),
    );
  },
  sync_report: syncReport,
  client_log: clientLog,
  auth: () => {
    // The connection owns authentication; reaching here is a wiring bug.
    throw new Error("auth must be handled by the connection");
  },
};

/**
 * Routes one message. A promise back means an asynchronous step (a password or token check):
 * the connection handles its next frames only once it is done, so frames keep their order.
 */
export function dispatch(
  ctx: DispatchContext,
  session: Session,
  message: ClientMessage,
): Promise<void> | void {
  // TypeScript cannot pair a union's member with its key's handler; the table's type does.
  const handler = MESSAGE_HANDLERS[message.type] as Handler<ClientMessage["type"]>;
  return handler(ctx, session, message);
}

/** The room a room-scoped message names, or else the sender's current room. */
function targetRoom(
  ctx: DispatchContext,
  session: Session,
  named: string | null,
): RoomHandle | undefined {
  const roomId = named ?? ctx.directory.roomOf(session.id);
  return roomId === undefined ? undefined : ctx.directory.handle(roomId);
}

/** Posts a command to the room a message names (or the sender's), or says it is not there. */
function toRoom(
  ctx: DispatchContext,
  session: Session,
  named: string | null,
  command: RoomCommand,
): void {
  const room = targetRoom(ctx, session, named);
  if (!room) return session.sendError(ERRORS.roomNotFound, named);
  room.post(command);
}

/** The five media messages are one room command, with the change as data. */
function toMedia(ctx: DispatchContext, session: Session, named: string | null, op: MediaOp) {
  toRoom(ctx, session, named, { kind: "media", from: refOf(session), op });
}

function mediaItem(
  payload: { media_url: string; media_id: string | null; title: string | null },
): MediaItemInput {
  return { url: payload.media_url, mediaId: payload.media_id, title: payload.title };
}

/**
 * A session back on a new connection: the token must be ours, unexpired, and (auth on) the
 * same user's; the session must be away (its old connection gone) and this connection fresh.
 */
function resume(
  ctx: DispatchContext,
  session: Session,
  message: Of<"resume">,
): Promise<void> | void {
  const check = ctx.resumeTokens.check(message.payload.token, ctx.clock.now());
  if (!check.ok || (ctx.authenticator !== null && check.claims.userId !== session.userId)) {
    ctx.log.info("resume refused", {
      client: session.id,
      reason: check.ok ? "user" : check.reason,
    });
    return session.sendError(ERRORS.resumeInvalid);
  }
  const now = ctx.clock.now();
  const fresh = ctx.resumeTokens.issue(
    { clientId: check.claims.clientId, userId: session.userId },
    now,
  );
  const outcome = ctx.directory.resume(
    session,
    check.claims.clientId,
    message.payload.last_seq,
    fresh,
  );
  if (outcome instanceof Promise) {
    return outcome.then((error) => void (error && session.sendError(error)));
  }
  if (outcome) session.sendError(outcome);
}

/**
 * How well a member follows its room, measured by its own client: into the sync-quality
 * histograms on /metrics. Only from a member of the room it names (or of a room at all).
 */
function syncReport(ctx: DispatchContext, session: Session, message: Of<"sync_report">): void {
  const roomId = ctx.directory.roomOf(session.id);
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
