/**
 * Getting into rooms: creating one (with an optional password, hashed before the room exists),
 * joining one (a locked room wants its password or an invite, both checked before the join is
 * posted, since the room itself does nothing asynchronous), invites, and room-list queries.
 * Password checks are slow on purpose, so wrong guesses are budgeted per client address.
 */
import { build, type ClientMessage, encode, ERRORS, sanitizeName } from "../protocol/mod.ts";
import type { DispatchContext, Session } from "./session.ts";
import { encodeHash, type PasswordHash, refOf } from "../rooms/mod.ts";
import { hashPassword, passwordMatches } from "./room_passwords.ts";

type Of<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/**
 * create_room. Synchronous unless it has a password to hash (a room that does not exist yet
 * cannot be joined meanwhile, and this connection's next frames wait for it).
 */
export function createRoom(
  ctx: DispatchContext,
  session: Session,
  message: Of<"create_room">,
): Promise<void> | void {
  const { name, start_pos, media_id, media_url, user_name, handoff, control, unlisted } =
    message.payload;
  session.adoptUserName(user_name);
  const create = (password: PasswordHash | null) => {
    const error = ctx.directory.createFor({
      host: session,
      name: sanitizeName(name, `${session.name}'s room`),
      mediaId: media_id ?? null,
      mediaUrl: media_url ?? null,
      startPosition: start_pos,
      handoff,
      control,
      password,
      unlisted,
    });
    if (error) session.sendError(error);
  };
  const text = message.payload.password;
  if (!text) return create(null);
  return hashPassword(text).then(create);
}

/** join_room. Synchronous unless a locked room's password or invite must be checked. */
export function joinRoom(
  ctx: DispatchContext,
  session: Session,
  message: Of<"join_room">,
): Promise<void> | void {
  const room = message.room ? ctx.directory.handle(message.room) : undefined;
  if (room) session.adoptUserName(message.payload.user_name);
  const join = (admitted: boolean) => {
    const error = ctx.directory.join(session, message.room, admitted);
    if (error) session.sendError(error, message.room);
  };
  const { password, invite } = message.payload;
  if (!room?.password || (!password && !invite)) return join(false);
  const locked = room.password;
  if (invite) {
    return ctx.invites.admits(invite, room.id, ctx.clock.now()).then((admitted) => {
      if (admitted) join(true);
      else session.sendError(ERRORS.inviteInvalid, room.id);
    });
  }
  if (!session.mayTryPassword()) return session.sendError(ERRORS.passwordAttempts, room.id);
  return passwordMatches(password!, locked).then((admitted) => {
    if (admitted) return join(true);
    session.wrongPassword();
    session.sendError(ERRORS.wrongPassword, room.id);
  });
}

/**
 * set_room_options (the host only). A new password is hashed here, before the command is posted
 * (the room does nothing asynchronous): synchronous unless there is one. A member's request is
 * refused before any hashing, and each lock takes one unit of the address's room-creation
 * budget, since it costs what a locked room's creation does.
 */
export function setRoomOptions(
  ctx: DispatchContext,
  session: Session,
  message: Of<"set_room_options">,
): Promise<void> | void {
  const roomId = message.room ?? ctx.directory.roomOf(session.id) ?? null;
  const room = roomId ? ctx.directory.handle(roomId) : undefined;
  if (!room) return session.sendError(ERRORS.roomNotFound, roomId);
  if (room.hostId !== session.id) return session.sendError(ERRORS.notHostSettings, room.id);
  const { locked, password, handoff, unlisted } = message.payload;
  const post = (hash: PasswordHash | null | undefined) =>
    room.post({
      kind: "set_room_options",
      from: refOf(session),
      ...(hash !== undefined && { password: hash && encodeHash(hash) }),
      ...(handoff !== null && { handoff }),
      ...(unlisted !== null && { unlisted }),
    });
  if (password === null) return post(locked === false ? null : undefined);
  if (!session.allowRoomCreation()) return session.sendError(ERRORS.roomLocksLimited, room.id);
  return hashPassword(password).then(post);
}

/** The host asks for an invite link to its room. */
export async function createInvite(
  ctx: DispatchContext,
  session: Session,
  message: Of<"create_invite">,
): Promise<void> {
  const roomId = message.room ?? ctx.directory.roomOf(session.id) ?? null;
  const room = roomId ? ctx.directory.handle(roomId) : undefined;
  if (!room) return session.sendError(ERRORS.roomNotFound, roomId);
  if (room.hostId !== session.id) return session.sendError(ERRORS.notHostSettings, room.id);
  const now = ctx.clock.now();
  const { token, expiresAt } = await ctx.invites.issue(room.id, message.payload.ttl_s, now);
  session.send(encode(build.invite(room.id, { token, expires_at: expiresAt }, ctx.clock.now())));
}

/** list_rooms: the whole list (the upstream answer), or with a filter or page, one page. */
export function listRooms(ctx: DispatchContext, session: Session, message: Of<"list_rooms">) {
  const { media_id, name, limit, after } = message.payload;
  const now = ctx.clock.now();
  if ([media_id, name, limit, after].every((value) => value == null)) {
    return session.send(ctx.directory.listFrame(now));
  }
  const page = ctx.directory.page({ mediaId: media_id, name, limit, after });
  session.send(encode(build.roomPage(page.rooms, page.total, page.next, now)));
}
