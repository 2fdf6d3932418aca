import {
  MAX_CHAT_CHARS,
  MAX_INVITE_TTL_S,
  MAX_LIST_PAGE,
  MAX_MEDIA_TITLE_CHARS,
  MAX_MEDIA_URL_CHARS,
  MAX_PASSWORD_CHARS,
  MAX_PLAYBACK_RATE,
  MAX_POSITION_SECONDS,
  MAX_QUEUE_ITEMS,
  MIN_INVITE_TTL_S,
  MIN_PLAYBACK_RATE,
} from "./limits.ts";

/**
 * Every error string the server sends, with its machine code. Tests import these instead of
 * repeating literals, and metrics count errors by code.
 */
export const ERRORS = {
  invalidFormat: { code: "invalid_format", message: "Invalid message format" },
  unknownType: { code: "unknown_type", message: "Unknown message type" },
  tooLarge: { code: "too_large", message: "Message too large" },
  rateLimited: { code: "rate_limited", message: "Rate limit exceeded" },
  authRequired: { code: "auth_required", message: "Authentication required" },
  authFailed: { code: "auth_failed", message: "Authentication failed" },
  roomNotFound: { code: "room_not_found", message: "Room not found" },
  roomFull: { code: "room_full", message: "Room is full" },
  serverFull: { code: "server_full", message: "Server is full" },
  roomCreationLimited: {
    code: "room_creation_limited",
    message: "Too many rooms created; try again in a minute",
  },
  notHostPlayback: { code: "not_host", message: "Only the host can control playback" },
  notHostState: { code: "not_host", message: "Only the host can send state updates" },
  chatRoomRequired: { code: "room_required", message: "Room ID required for chat" },
  notInRoom: { code: "not_in_room", message: "You are not in this room" },
  chatEmpty: { code: "chat_empty", message: "Chat message cannot be empty" },
  chatTooLong: {
    code: "chat_too_long",
    message: `Chat message too long (max ${MAX_CHAT_CHARS} characters)`,
  },
  invalidMediaId: { code: "invalid_payload", message: "Invalid media_id" },
  internal: { code: "internal", message: "Internal error" },
  resumeInvalid: { code: "resume_invalid", message: "Invalid resume token" },
  sessionExpired: { code: "session_expired", message: "Session expired: join the room again" },
  sessionInUse: { code: "session_in_use", message: "Session is in use by another connection" },
  resumeTooLate: {
    code: "resume_too_late",
    message: "Resume must come before joining or creating a room",
  },
  notHostTransfer: { code: "not_host", message: "Only the host can hand over the host role" },
  notHostSettings: { code: "not_host", message: "Only the host can change the room's settings" },
  notControllerPlayback: {
    code: "not_allowed",
    message: "Only the host and co-hosts can control playback",
  },
  /** Multi-instance: the room's owner instance is out of reach (Redis is away). */
  roomUnreachable: {
    code: "room_unreachable",
    message: "The room's server cannot be reached right now; try again shortly",
  },
  nothingPending: { code: "nothing_pending", message: "No play is waiting" },
  passwordRequired: { code: "password_required", message: "This room needs a password" },
  wrongPassword: { code: "wrong_password", message: "Wrong password" },
  passwordAttempts: {
    code: "password_attempts",
    message: "Too many wrong passwords; try again in a minute",
  },
  inviteInvalid: { code: "invite_invalid", message: "Invalid or expired invite" },
  noSuchMember: { code: "no_such_member", message: "No such member in this room" },
  queueFull: { code: "queue_full", message: `The queue is full (${MAX_QUEUE_ITEMS} items)` },
  queueEmpty: { code: "queue_empty", message: "The queue is empty" },
  noSuchQueueItem: { code: "no_such_item", message: "No such item in the queue" },
  /** A lock costs a password hash, like a locked room's creation: the same budget. */
  roomLocksLimited: {
    code: "room_locks_limited",
    message: "Too many room password changes; try again in a minute",
  },
} as const;

export type ErrorInfo = { readonly code: string; readonly message: string };

/** A payload field failed its schema; the message names the field. */
export function invalidField(message: string): ErrorInfo {
  return { code: "invalid_payload", message };
}

/** The field-naming messages used by the payload schemas (docs/protocol.md 3). */
export const FIELD_MESSAGES = {
  payload: "Invalid payload: must be an object",
  position: `Invalid position: must be a number from 0 to ${MAX_POSITION_SECONDS}`,
  action: "Invalid action: must be one of play, pause, seek, buffering",
  playState: "Invalid play_state: must be playing or paused",
  name: "Invalid name: must be a string",
  userName: "Invalid user_name: must be a string",
  userId: "Invalid user_id: must be a string",
  token: "Invalid token: must be a string",
  text: "Invalid text: must be a string",
  atServerTs: "Invalid at_server_ts: must be a server time in milliseconds",
  mediaUrl:
    `Invalid media_url: must be an http or https URL of at most ${MAX_MEDIA_URL_CHARS} characters`,
  driftMs: "Invalid drift_ms: must be a number of milliseconds",
  reportField: "Invalid sync_report: offset_ms, uncertainty_ms and rate must be numbers",
  deferred: "Invalid deferred: must be true or false",
  handoff: "Invalid handoff: must be true or false",
  locked: "Invalid locked: must be true or false",
  unlisted: "Invalid unlisted: must be true or false",
  lockNeedsPassword: "Invalid password: locking the room needs a new password",
  unlockTakesNoPassword: "Invalid payload: locked: false (unlocking) takes no password",
  noRoomOptions:
    "Invalid payload: set_room_options needs at least one of locked, password, handoff, unlisted",
  lastSeq: "Invalid last_seq: must be a whole number from 0",
  clientId: "Invalid client_id: must be a string",
  readiness:
    "Invalid state: must be loading, ready, buffering, autoplay_blocked, media_error or ended",
  mediaUrlRequired:
    `Invalid media_url: required, an http or https URL of at most ${MAX_MEDIA_URL_CHARS} characters`,
  title: `Invalid title: must be text of at most ${MAX_MEDIA_TITLE_CHARS} characters`,
  itemId: "Invalid item_id: must be the id of an item in the queue",
  index: "Invalid index: must be a whole number from 0",
  control: "Invalid control: must be host, cohosts or everyone",
  cohost: "Invalid cohost: must be true or false",
  rate: `Invalid rate: must be a number from ${MIN_PLAYBACK_RATE} to ${MAX_PLAYBACK_RATE}`,
  password: `Invalid password: must be text of 1 to ${MAX_PASSWORD_CHARS} characters`,
  invite: "Invalid invite: must be a string",
  ttl:
    `Invalid ttl_s: must be a whole number of seconds from ${MIN_INVITE_TTL_S} to ${MAX_INVITE_TTL_S}`,
  limit: `Invalid limit: must be a whole number from 1 to ${MAX_LIST_PAGE}`,
  after: "Invalid after: must be the next of a previous page",
  filterName: "Invalid name: must be a string",
  timingExclusive: "Invalid payload: at_server_ts and deferred: true cannot be used together",
  mediaId: ERRORS.invalidMediaId.message,
} as const;
