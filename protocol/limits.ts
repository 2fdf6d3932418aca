/**
 * Every limit and delay of docs/protocol.md 7.1, named once. Values marked "configurable" are the
 * defaults of settings that `server/config.ts` reads from the environment.
 */

/** Largest accepted text frame, in UTF-8 bytes (configurable: MAX_FRAME_BYTES). */
export const MAX_FRAME_BYTES = 65_536;
/** Messages a connection may send per one-second window (configurable: RATE_LIMIT_PER_SECOND). */
export const RATE_LIMIT_PER_SECOND = 30;
/**
 * `client_log` has its own silent budget so that the upstream client's flush of up to 100
 * buffered log lines right before its `auth` never uses up the budget of real messages.
 */
export const CLIENT_LOG_PER_SECOND = 150;
/** A connection that floods for this long (every window over budget) is closed with 1008. */
export const RATE_LIMIT_FLOOD_CLOSE_MS = 10_000;
/** Members per room (configurable: MAX_CLIENTS_PER_ROOM). */
export const MAX_CLIENTS_PER_ROOM = 20;
/** Rooms per server (configurable: MAX_ROOMS). */
export const MAX_ROOMS = 10_000;
/** Open connections per server (configurable: MAX_CONNECTIONS); more get HTTP 503. */
export const MAX_CONNECTIONS = 20_000;
/**
 * Open connections per client address (configurable: MAX_CONNECTIONS_PER_IP); more get HTTP
 * 429. Generous: a household or an office behind one NAT address is many clients.
 */
export const MAX_CONNECTIONS_PER_IP = 100;
/**
 * Rooms one client address may create per minute (configurable: ROOM_CREATIONS_PER_MINUTE),
 * shared by all its connections. The budget refills steadily (one every 2 s by default) and
 * holds at most a minute's worth, so a burst of that many is allowed.
 */
export const ROOM_CREATIONS_PER_MINUTE = 30;
/** The period ROOM_CREATIONS_PER_MINUTE counts over. */
export const ROOM_CREATION_PERIOD_MS = 60_000;
/** An unauthenticated connection is closed with 4001 after this long when auth is on. */
export const AUTH_TIMEOUT_MS = 10_000;
/** A connection with no sign of life (no frame, no pong) for this long is closed. */
export const IDLE_TIMEOUT_MS = 60_000;
/** A socket whose unsent output exceeds this is a slow consumer and is closed with 1013. */
export const MAX_BUFFERED_BYTES = 1_048_576;
/** Broadcasts of the room list are coalesced to at most one per this many milliseconds. */
export const ROOM_LIST_COALESCE_MS = 250;
/**
 * Bytes per second all room_list broadcasts together may write (configurable:
 * ROOM_LIST_MAX_BYTES_PER_SECOND). Each broadcast writes (list size × connections) bytes; a big
 * server (500 rooms, 5,000 connections: 200 MB a broadcast) would otherwise spend all its time
 * on lists. The next broadcast waits until the last one fits the budget, never less than the
 * coalescing window: "at most one per 250 ms" (docs/protocol.md 6) still holds.
 */
export const ROOM_LIST_MAX_BYTES_PER_SECOND = 32 * 1_048_576;

/**
 * A host's `at_server_ts` (the server instant its player was at `position`) is clamped into
 * [arrival − this, arrival]: a client clock that is off, or a stale frame, can move the room's
 * timeline by at most this much, and never into the future.
 */
export const MAX_AT_SERVER_TS_AGE_MS = 5_000;

/** Positions are seconds into the media: finite, from 0 to one day. */
export const MAX_POSITION_SECONDS = 86_400;
/** Room and user names, after sanitizing. */
export const MAX_NAME_CHARS = 100;
/** Chat text, in Unicode code points. */
export const MAX_CHAT_CHARS = 500;
/** `client_log` lines are truncated to this many characters before they are logged. */
export const MAX_CLIENT_LOG_CHARS = 1_000;
/** Room ids are server-made UUIDs; anything much longer is not a room id. */
export const MAX_ROOM_ID_CHARS = 128;
/**
 * A member whose connection drops stays in its room, "away", this long, and may resume its
 * session (same id, room and role) on a new connection (configurable: RESUME_GRACE_MS).
 */
export const RESUME_GRACE_MS = 30_000;
/** Broadcasts a room keeps, so that a member who resumes gets what it missed. */
export const REPLAY_BUFFER_MESSAGES = 256;
/** A resume token is accepted this long at most; the session must also still be alive. */
export const RESUME_TOKEN_TTL_S = 24 * 3_600;
/** The room's playback rate is kept within these bounds (extension: set_rate). */
export const MIN_PLAYBACK_RATE = 0.5;
export const MAX_PLAYBACK_RATE = 2;
/** Chat messages a room keeps for members who join (or resume) later. Never logged. */
export const CHAT_HISTORY_MESSAGES = 50;
/** Room passwords, in code points. */
export const MAX_PASSWORD_CHARS = 128;
/**
 * PBKDF2-HMAC-SHA256 iterations for room passwords (OWASP's 2023 figure): about 80 ms of one
 * core per check, off the event loop, and failed checks are rate-limited per address.
 */
export const PASSWORD_HASH_ITERATIONS = 600_000;
/** Wrong passwords one client address may try per minute, all its connections together. */
export const PASSWORD_ATTEMPTS_PER_MINUTE = 10;
/** Invite links live this long unless asked otherwise, and never longer than the maximum. */
export const DEFAULT_INVITE_TTL_S = 24 * 3_600;
/** The shortest invite a host may ask for, seconds. */
export const MIN_INVITE_TTL_S = 60;
export const MAX_INVITE_TTL_S = 7 * 24 * 3_600;
/** The most rooms one page of `list_rooms` holds. */
export const MAX_LIST_PAGE = 500;
/** A client-reported round trip above this is not believed. */
export const MAX_REPORTED_RTT_MS = 60_000;
/** A room's media URL (the watch page's video): an http(s) URL of at most this many chars. */
export const MAX_MEDIA_URL_CHARS = 2_048;
/** A queue item's (or the room's media's) title, in code points. */
export const MAX_MEDIA_TITLE_CHARS = 200;
/** The most items a room's queue holds (what comes after the media that plays now). */
export const MAX_QUEUE_ITEMS = 50;
/**
 * After the host's player reached the end of an item, the room waits at most this long for the
 * others to end too before it starts the queue's next item (a member who paused near the end
 * does not hold the party back).
 */
export const QUEUE_END_WAIT_MS = 10_000;
/** `sync_report` has its own silent budget: a client reports every few seconds. */
export const SYNC_REPORTS_PER_SECOND = 5;
/** Jellyfin item ids are 32 hex characters; other servers' ids fit this pattern too. */
export const MEDIA_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Delays and thresholds of the playback rules (protocol 5.2–5.7); all configurable. */
export interface Timings {
  /** A play is scheduled this far in the future so every member can start together. */
  readonly playScheduleMs: number;
  /** Pause, seek and buffering are scheduled this far ahead. */
  readonly controlScheduleMs: number;
  /** A pending play fires after at most this long, even if a member never gets ready. */
  readonly maxReadyWaitMs: number;
  /**
   * The same bound when everyone it waits for was ready before and is re-buffering (a stall is
   * usually short; a first load of a new stream may be long).
   */
  readonly maxRebufferWaitMs: number;
  /** Accepted state updates are at least this far apart (unless play_state changes). */
  readonly minStateUpdateIntervalMs: number;
  /** State updates are ignored for this long after a player_event (the command wins). */
  readonly commandCooldownMs: number;
  /** A forward move smaller than this (seconds) is not worth relaying. */
  readonly jitterThresholdS: number;
  /** A backward move up to this many seconds is HLS jitter; a larger one is a real seek. */
  readonly backwardJitterS: number;
  /**
   * The fixed lead (ms) the upstream browser client adds to a relayed play's position. A relayed
   * play's envelope `server_ts` is `target − lead` and its `position` the timeline's position at
   * that instant, so that client lands on the room's timeline (docs/protocol.md 5.4). Never more than
   * `playScheduleMs` (the point must not be before the play was sent).
   */
  readonly legacyClientLeadMs: number;
}

export const DEFAULT_TIMINGS: Timings = Object.freeze({
  playScheduleMs: 1_500,
  controlScheduleMs: 300,
  maxReadyWaitMs: 2_000,
  maxRebufferWaitMs: 2_000,
  minStateUpdateIntervalMs: 500,
  commandCooldownMs: 2_000,
  jitterThresholdS: 0.5,
  backwardJitterS: 2,
  legacyClientLeadMs: 300,
});
