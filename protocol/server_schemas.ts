/**
 * The server → client messages as zod schemas. The server builds its messages with the typed
 * builders in server_messages.ts and never validates them on the hot path; these schemas are
 * the published contract (docs/protocol.schema.json is generated from them), the integration
 * tests check every message the real server sends against them, and a type check below keeps
 * them and the builders' types in step.
 */
import { z } from "zod";
import { MAX_POSITION_SECONDS } from "./limits.ts";
import { ROOM_CLOSE_CODES } from "./room_close.ts";
import type { ServerMessage } from "./server_messages.ts";

const serverTs = z.number().meta({ description: "Server time (epoch ms) of the message." });
const position = z.number().max(MAX_POSITION_SECONDS).meta({
  description: "Seconds into the media.",
});
const playState = z.enum(["playing", "paused"]);
const count = z.number().int().min(0);

const anyRoom = { room: z.string().optional() };
const room = { room: z.string() };
const client = { ...anyRoom, client: z.string() };
const roomAndClient = { ...room, client: z.string() };

/** An envelope: type, payload, server_ts, and the `room`/`client` fields given. */
const envelope = <T extends string, P extends z.ZodType, F extends z.ZodRawShape>(
  type: T,
  payload: P,
  fields: F,
  description: string,
) =>
  z.object({
    type: z.literal(type),
    payload,
    server_ts: serverTs,
    seq: z.number().int().min(1).optional().meta({
      description: "Extension: on everything a room sends; increases within the room.",
    }),
    ...fields,
  }).meta({ description });

const readiness = z.enum([
  "loading",
  "ready",
  "buffering",
  "autoplay_blocked",
  "media_error",
  "ended",
]);

const participants = z.array(z.object({
  id: z.string(),
  name: z.string(),
  is_host: z.boolean(),
  is_cohost: z.boolean().meta({ description: "May control playback when control is cohosts." }),
  ready: z.boolean().meta({ description: "Its player can play the room's media." }),
  readiness: readiness.meta({ description: "How its player is, as it last said." }),
  away: z.boolean().meta({ description: "Its connection dropped; it may still resume." }),
  away_until: z.number().nullable().meta({
    description: "Extension: when an away member's resume grace ends (server time); else null.",
  }),
  rtt_ms: z.number().nullable().meta({
    description: "Its own last measured round trip to the server, when it reports one.",
  }),
})).readonly().meta({ description: "Extension: every member, in the order they joined." });

const membership = z.object({ participant_count: count, participants });

export const RoomSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  count,
  media_id: z.string().nullable(),
  locked: z.boolean().meta({ description: "Extension: joining needs a password or an invite." }),
});

export const SERVER_MESSAGE_SCHEMAS = {
  client_hello: envelope(
    "client_hello",
    z.object({
      client_id: z.string(),
      resume_token: z.string().meta({
        description: "Extension: send it in `resume` on a new connection to get this session back.",
      }),
    }),
    client,
    "First message on every connection: this connection's id.",
  ),
  auth_success: envelope(
    "auth_success",
    z.object({
      user_name: z.string(),
      resume_token: z.string().optional().meta({
        description: "Extension (auth on): a resume token bound to this user; use it instead.",
      }),
    }),
    anyRoom,
    "The token was accepted (or, with auth off, the name was taken).",
  ),
  resumed: envelope(
    "resumed",
    z.object({
      client_id: z.string(),
      resume_token: z.string().meta({ description: "A fresh resume token for this session." }),
      room: z.string().nullable(),
      replayed: count.meta({ description: "Missed messages replayed right after this one." }),
      state_follows: z.boolean().meta({
        description: "The gap was too old to replay: a fresh room_state follows.",
      }),
    }),
    client,
    "Extension: the session is back on this connection (same id, room and role).",
  ),
  waiting_on: envelope(
    "waiting_on",
    z.object({
      waiting: z.array(z.object({ id: z.string(), name: z.string(), readiness })).readonly(),
      deadline_ts: z.number().nullable().meta({
        description: "When the play starts anyway (server ms); null when nothing waits.",
      }),
    }),
    room,
    "Extension: whom a waiting play waits for, whenever that changes; empty when it is over.",
  ),
  chat_history: envelope(
    "chat_history",
    z.object({
      messages: z.array(z.object({
        client: z.string(),
        username: z.string(),
        text: z.string(),
        server_ts: serverTs,
      })).readonly(),
    }),
    room,
    "Extension: the room's last chat messages, oldest first, to a member who joins.",
  ),
  rate_changed: envelope(
    "rate_changed",
    z.object({
      rate: z.number(),
      target_server_ts: serverTs,
      position_at_target: position,
      play_state: playState,
    }),
    roomAndClient,
    "Extension: the room's playback rate changes at target_server_ts (client = who set it).",
  ),
  invite: envelope(
    "invite",
    z.object({
      token: z.string().meta({ description: "Give it in join_room's invite to enter." }),
      expires_at: serverTs.meta({ description: "When it stops working (server ms)." }),
    }),
    room,
    "Extension: an invite for this room, to the host who asked.",
  ),
  host_changed: envelope(
    "host_changed",
    z.object({
      host_id: z.string(),
      previous_host_id: z.string(),
      reason: z.enum(["transfer", "host_left", "host_timeout"]),
    }),
    roomAndClient,
    "Extension: the host role passed to another member (client = the new host).",
  ),
  room_list: envelope(
    "room_list",
    z.array(RoomSummarySchema).readonly(),
    {
      ...anyRoom,
      total: count.optional().meta({
        description: "Extension, on a filtered or paged list_rooms answer: rooms that match.",
      }),
      next: z.string().nullable().optional().meta({
        description: "Extension: the `after` of the next page, or null on the last.",
      }),
    },
    "Every open room. Pushed to connections in no room; the reply to list_rooms.",
  ),
  room_state: envelope(
    "room_state",
    z.object({
      name: z.string(),
      host_id: z.string(),
      participant_count: count,
      media_id: z.string().nullable(),
      state: z.object({
        position: position.meta({ description: "The position at server_ts." }),
        play_state: playState,
      }),
      media_url: z.string().nullable().meta({
        description: "Extension: the room's media URL (http or https), null when none.",
      }),
      participants,
      control: z.enum(["host", "cohosts", "everyone"]).meta({
        description: "Extension: who may control playback.",
      }),
      playback_rate: z.number().meta({ description: "Extension: the room's playback rate." }),
      locked: z.boolean().meta({ description: "Extension: joining needs a password." }),
      handoff: z.boolean().meta({
        description: "Extension: when the host leaves, another member hosts and the room goes on.",
      }),
      unlisted: z.boolean().meta({
        description: "Extension: the room is in nobody's room_list; it is joined by its id.",
      }),
      media_title: z.string().nullable().meta({
        description: "Extension: the title of what plays now, null when none was given.",
      }),
      media_item_id: z.string().meta({
        description: "Extension: which item plays now; a new id is new media, even at one URL.",
      }),
      queue: z.array(z.object({
        id: z.string(),
        media_url: z.string(),
        media_id: z.string().nullable(),
        title: z.string().nullable(),
        added_by: z.string().meta({ description: "The member id of whoever added it." }),
      })).readonly().meta({ description: "Extension: what plays next, in order." }),
    }),
    room,
    "The room you created or joined, as it is at server_ts (and again whenever its media, " +
      "queue, roles or options change).",
  ),
  participants_update: envelope(
    "participants_update",
    membership,
    roomAndClient,
    "A member joined (client = the joiner).",
  ),
  player_event: envelope(
    "player_event",
    z.object({
      action: z.enum(["play", "pause", "seek", "buffering"]),
      position: z.number().meta({
        description: "For play: the timeline's position at the envelope's server_ts (for " +
          "the upstream client; slightly negative at the very start of the media). " +
          "Otherwise the position the host sent.",
      }),
      play_state: playState.meta({ description: "The room's play state once it applies." }),
      target_server_ts: serverTs.meta({ description: "When every player acts (epoch ms)." }),
      position_at_target: position.meta({
        description: "Where every player must be at target_server_ts.",
      }),
    }),
    roomAndClient,
    "A host command, scheduled for target_server_ts. Play goes to every member, the rest " +
      "to everyone but the host.",
  ),
  state_update: envelope(
    "state_update",
    z.object({ position, play_state: playState }),
    roomAndClient,
    "The host's position at server_ts, relayed to the other members.",
  ),
  room_closed: envelope(
    "room_closed",
    z.object({ reason: z.string(), code: z.enum(ROOM_CLOSE_CODES) }),
    room,
    "The room is gone; you are back in no room. `code` (extension) says why, for machines.",
  ),
  client_left: envelope(
    "client_left",
    membership,
    roomAndClient,
    "A member left (client = who).",
  ),
  pong: envelope(
    "pong",
    z.unknown(),
    client,
    "The reply to ping: its payload echoed, server_ts the server's time.",
  ),
  chat_message: envelope(
    "chat_message",
    z.object({ username: z.string(), text: z.string() }),
    roomAndClient,
    "A chat message (client = the sender), to every member.",
  ),
  error: envelope(
    "error",
    z.object({ message: z.string(), code: z.string() }),
    anyRoom,
    "What went wrong with a message you sent; room set when it concerns one.",
  ),
} as const;

export const ServerMessageSchema = z.discriminatedUnion(
  "type",
  Object.values(SERVER_MESSAGE_SCHEMAS) as unknown as [
    (typeof SERVER_MESSAGE_SCHEMAS)[keyof typeof SERVER_MESSAGE_SCHEMAS],
    ...(typeof SERVER_MESSAGE_SCHEMAS)[keyof typeof SERVER_MESSAGE_SCHEMAS][],
  ],
);

// The builders' message types and the published schemas describe the same messages, type by
// type: a field added to one and not the other fails the type check, in either direction.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schemas = typeof SERVER_MESSAGE_SCHEMAS;
const builtMessagesMatchTheSchemas: {
  [K in keyof Schemas]: Same<z.infer<Schemas[K]>, Extract<ServerMessage, { type: K }>>;
} = {
  client_hello: true,
  auth_success: true,
  resumed: true,
  host_changed: true,
  waiting_on: true,
  chat_history: true,
  rate_changed: true,
  invite: true,
  room_list: true,
  room_state: true,
  participants_update: true,
  player_event: true,
  state_update: true,
  room_closed: true,
  client_left: true,
  pong: true,
  chat_message: true,
  error: true,
};
void builtMessagesMatchTheSchemas;
// And no server message type is missing a schema.
const everyTypeHasASchema: Same<ServerMessage["type"], keyof Schemas> = true;
void everyTypeHasASchema;
