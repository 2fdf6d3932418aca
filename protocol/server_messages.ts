/**
 * The server → client half of the contract (docs/protocol.md 4): typed builders for every message
 * and the one place a message becomes text. Every builder stamps `server_ts`.
 */
import type { ErrorInfo } from "./errors.ts";
import type { QueueItem } from "./media.ts";
import { ROOM_CLOSE_REASONS, type RoomCloseCode } from "./room_close.ts";
import type { ControlPolicy, PlayerAction, PlayState, Readiness } from "./client_messages.ts";

export interface RoomSummary {
  readonly id: string;
  readonly name: string;
  readonly count: number;
  readonly media_id: string | null;
  /** Extension: joining needs a password (or an invite). */
  readonly locked: boolean;
}

export interface PlaybackSnapshot {
  readonly position: number;
  readonly play_state: PlayState;
}

/** Who is in a room (an extension: the upstream client reads only the count). */
export interface ParticipantInfo {
  readonly id: string;
  readonly name: string;
  readonly is_host: boolean;
  readonly is_cohost: boolean;
  readonly ready: boolean;
  readonly readiness: Readiness;
  /** The member's connection dropped; it may still resume. */
  readonly away: boolean;
  /** The member's own last measured round trip to the server, when it reports one. */
  readonly rtt_ms: number | null;
  /**
   * Extension: an away member's resume grace ends at this server time (it leaves then; a host
   * hands over). Null when not away.
   */
  readonly away_until: number | null;
}

export type HostChangeReason = "transfer" | "host_left" | "host_timeout";

export interface RoomStatePayload {
  readonly name: string;
  readonly host_id: string;
  readonly participant_count: number;
  readonly media_id: string | null;
  readonly state: PlaybackSnapshot;
  /** Extension: the room's media URL, null when it has none. */
  readonly media_url: string | null;
  /** Extension: every member, in the order they joined. */
  readonly participants: readonly ParticipantInfo[];
  /** Extension: who may control playback. */
  readonly control: ControlPolicy;
  /** Extension: the room's playback rate (media seconds per second). */
  readonly playback_rate: number;
  /** Extension: joining needs a password (or an invite). */
  readonly locked: boolean;
  /** Extension: when the host leaves, the room goes on with another host (create_room handoff). */
  readonly handoff: boolean;
  /** Extension: the room is in no room_list; it is joined by its id (its link). */
  readonly unlisted: boolean;
  /** Extension: the title of what plays now, when it was given one. */
  readonly media_title: string | null;
  /** Extension: which item plays now; a new id means new media, even at the same URL. */
  readonly media_item_id: string;
  /** Extension: what plays next, in order (queue_add, queue_next). */
  readonly queue: readonly QueueItem[];
}

export interface WaitingOnPayload {
  /** Who a waiting play waits for; empty once it fired or was cancelled. */
  readonly waiting: readonly { id: string; name: string; readiness: Readiness }[];
  /** When it fires anyway (server ms), or null when nothing waits. */
  readonly deadline_ts: number | null;
}

export interface ChatEntry {
  readonly client: string;
  readonly username: string;
  readonly text: string;
  readonly server_ts: number;
}

export interface RateChangedPayload {
  readonly rate: number;
  readonly target_server_ts: number;
  readonly position_at_target: number;
  readonly play_state: PlayState;
}

export interface InvitePayload {
  readonly token: string;
  readonly expires_at: number;
}

export interface ResumedPayload {
  readonly client_id: string;
  /** A fresh token for this session (the one before was for the connection's own id). */
  readonly resume_token: string;
  /** The room the session is back in, or null when it was in none (or it closed). */
  readonly room: string | null;
  /** Messages replayed after this one, in seq order. */
  readonly replayed: number;
  /** The gap was too old to replay: a fresh room_state follows instead. */
  readonly state_follows: boolean;
}

export interface HostChangedPayload {
  readonly host_id: string;
  readonly previous_host_id: string;
  readonly reason: HostChangeReason;
}

/** A member came or went: the new count and who is there now. */
export interface MembershipPayload {
  readonly participant_count: number;
  readonly participants: readonly ParticipantInfo[];
}

/**
 * A relayed host command (docs/protocol.md 3.6, 5.4). New clients act at `target_server_ts` from
 * `position_at_target`; the upstream client reads `position` with the envelope's `server_ts`.
 */
export interface PlayerEventPayload {
  readonly action: PlayerAction;
  /** For play: the timeline's position at the envelope's `server_ts`; otherwise as sent. */
  readonly position: number;
  /** The room's play state once the command applies. */
  readonly play_state: PlayState;
  readonly target_server_ts: number;
  /** Where every player must be at `target_server_ts`. */
  readonly position_at_target: number;
}

interface Envelope<T extends string, P> {
  readonly type: T;
  readonly room?: string;
  readonly payload: P;
  readonly server_ts: number;
  /** Extension: set on everything a room sends, increasing within the room. */
  readonly seq?: number;
}
/** A filtered or paged room list says how many rooms match in all, and where it stopped. */
type ListPage = { readonly total?: number; readonly next?: string | null };
/** The message concerns this room. */
type InRoom = { readonly room: string };
/** The message is about (or from) this client. */
type About = { readonly client: string };

export type ServerMessage =
  | Envelope<"client_hello", { client_id: string; resume_token: string }> & About
  | Envelope<"auth_success", { user_name: string; resume_token?: string }>
  | Envelope<"resumed", ResumedPayload> & About
  | Envelope<"host_changed", HostChangedPayload> & InRoom & About
  | Envelope<"room_list", readonly RoomSummary[]> & ListPage
  | Envelope<"waiting_on", WaitingOnPayload> & InRoom
  | Envelope<"chat_history", { messages: readonly ChatEntry[] }> & InRoom
  | Envelope<"rate_changed", RateChangedPayload> & InRoom & About
  | Envelope<"invite", InvitePayload> & InRoom
  | Envelope<"room_state", RoomStatePayload> & InRoom
  | Envelope<"participants_update", MembershipPayload> & InRoom & About
  | Envelope<"player_event", PlayerEventPayload> & InRoom & About
  | Envelope<"state_update", PlaybackSnapshot> & InRoom & About
  | Envelope<"room_closed", { reason: string; code: RoomCloseCode }> & InRoom
  | Envelope<"client_left", MembershipPayload> & InRoom & About
  | Envelope<"pong", unknown> & About
  | Envelope<"chat_message", { username: string; text: string }> & InRoom & About
  | Envelope<"error", { message: string; code: string }>;

/** A message and its text, made once and written to every recipient (one encode a broadcast). */
export interface OutboundFrame {
  readonly message: ServerMessage;
  readonly text: string;
}

export function encode(message: ServerMessage): OutboundFrame {
  return { message, text: JSON.stringify(message) };
}

/**
 * The room list, from its payload already in JSON: the list (16 KB for 200 rooms) is encoded
 * once per change, not once per new connection or request. Same text as
 * `encode(build.roomList(rooms, now))`, envelope fields in the same order.
 */
export function encodeRoomList(
  rooms: readonly RoomSummary[],
  roomsJson: string,
  now: number,
): OutboundFrame {
  return {
    message: build.roomList(rooms, now),
    text: `{"type":"room_list","payload":${roomsJson},"server_ts":${JSON.stringify(now)}}`,
  };
}

export const build = {
  clientHello: (clientId: string, resumeToken: string, now: number): ServerMessage => ({
    type: "client_hello",
    client: clientId,
    payload: { client_id: clientId, resume_token: resumeToken },
    server_ts: now,
  }),
  authSuccess: (userName: string, now: number, resumeToken?: string): ServerMessage => ({
    type: "auth_success",
    payload: resumeToken ? { user_name: userName, resume_token: resumeToken } : {
      user_name: userName,
    },
    server_ts: now,
  }),
  resumed: (clientId: string, payload: ResumedPayload, now: number): ServerMessage => ({
    type: "resumed",
    client: clientId,
    payload,
    server_ts: now,
  }),
  waitingOn: (room: string, payload: WaitingOnPayload, now: number): ServerMessage => ({
    type: "waiting_on",
    room,
    payload,
    server_ts: now,
  }),
  chatHistory: (room: string, messages: readonly ChatEntry[], now: number): ServerMessage => ({
    type: "chat_history",
    room,
    payload: { messages },
    server_ts: now,
  }),
  rateChanged: (
    room: string,
    sender: string,
    payload: RateChangedPayload,
    now: number,
  ): ServerMessage => ({
    type: "rate_changed",
    room,
    client: sender,
    payload,
    server_ts: now,
  }),
  invite: (room: string, payload: InvitePayload, now: number): ServerMessage => ({
    type: "invite",
    room,
    payload,
    server_ts: now,
  }),
  hostChanged: (room: string, payload: HostChangedPayload, now: number): ServerMessage => ({
    type: "host_changed",
    room,
    client: payload.host_id,
    payload,
    server_ts: now,
  }),
  roomList: (rooms: readonly RoomSummary[], now: number): ServerMessage => ({
    type: "room_list",
    payload: rooms,
    server_ts: now,
  }),
  /** A filtered or paged answer to list_rooms: how many match in all, and the next cursor. */
  roomPage: (
    rooms: readonly RoomSummary[],
    total: number,
    next: string | null,
    now: number,
  ): ServerMessage => ({
    type: "room_list",
    payload: rooms,
    server_ts: now,
    total,
    next,
  }),
  roomState: (room: string, payload: RoomStatePayload, now: number): ServerMessage => ({
    type: "room_state",
    room,
    payload,
    server_ts: now,
  }),
  participantsUpdate: (
    room: string,
    client: string,
    membership: MembershipPayload,
    now: number,
  ): ServerMessage => ({
    type: "participants_update",
    room,
    client,
    payload: membership,
    server_ts: now,
  }),
  /**
   * The envelope's server_ts is an instant of the room's timeline that upstream clients read
   * with `position`: the target itself, or for play the target less the upstream lead (protocol 5.4).
   */
  playerEvent: (
    room: string,
    host: string,
    payload: PlayerEventPayload,
    serverTs: number,
  ): ServerMessage => ({
    type: "player_event",
    room,
    client: host,
    payload,
    server_ts: serverTs,
  }),
  stateUpdate: (
    room: string,
    host: string,
    state: PlaybackSnapshot,
    now: number,
  ): ServerMessage => ({
    type: "state_update",
    room,
    client: host,
    payload: state,
    server_ts: now,
  }),
  roomClosed: (room: string, code: RoomCloseCode, now: number): ServerMessage => ({
    type: "room_closed",
    room,
    payload: { reason: ROOM_CLOSE_REASONS[code], code },
    server_ts: now,
  }),
  clientLeft: (
    room: string,
    client: string,
    membership: MembershipPayload,
    now: number,
  ): ServerMessage => ({
    type: "client_left",
    room,
    client,
    payload: membership,
    server_ts: now,
  }),
  pong: (room: string | null, client: string, payload: unknown, now: number): ServerMessage => ({
    type: "pong",
    room: room ?? "",
    client,
    payload: payload ?? {},
    server_ts: now,
  }),
  chatMessage: (
    room: string,
    client: string,
    username: string,
    text: string,
    now: number,
  ): ServerMessage => ({
    type: "chat_message",
    room,
    client,
    payload: { username, text },
    server_ts: now,
  }),
  error: (error: ErrorInfo, now: number, room?: string | null): ServerMessage => ({
    type: "error",
    ...(room ? { room } : {}),
    payload: { message: error.message, code: error.code },
    server_ts: now,
  }),
};
