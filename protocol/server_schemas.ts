/**
 * The server → client messages as zod schemas. The server builds its messages with the typed
 * builders in server_messages.ts and never validates them on the hot path; these schemas are
 * the published contract (docs/protocol.schema.json is generated from them), the integration
 * tests check every message the real server sends against them, the browser client parses what
 * it receives with them, and a type check below keeps them and the builders' types in step.
 *
 * Written with zod/mini (zod's functional API, the same schemas underneath) so that the client
 * bundle carries only what these use: importing the classic API would put all of zod in the
 * page. Nothing here may import classic "zod".
 */
import * as z from "zod/mini";
import { MAX_POSITION_SECONDS } from "./limits.ts";
import { ROOM_CLOSE_CODES } from "./room_close.ts";
import type { ServerMessage } from "./server_messages.ts";

/** The schema with a description for the JSON Schema (classic zod's `.meta({ description })`). */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.meta({ description }));

const serverTs = described(z.number(), "Server time (epoch ms) of the message.");
const position = described(
  z.number().check(z.maximum(MAX_POSITION_SECONDS)),
  "Seconds into the media.",
);
const playState = z.enum(["playing", "paused"]);
const count = z.number().check(z.int(), z.minimum(0));

const anyRoom = { room: z.optional(z.string()) };
const room = { room: z.string() };
const client = { ...anyRoom, client: z.string() };
const roomAndClient = { ...room, client: z.string() };

/** An envelope: type, payload, server_ts, and the `room`/`client` fields given. */
const envelope = <T extends string, P extends z.ZodMiniType, F extends z.core.$ZodShape>(
  type: T,
  payload: P,
  fields: F,
  description: string,
) =>
  described(
    z.object({
      type: z.literal(type),
      payload,
      server_ts: serverTs,
      seq: described(
        z.optional(z.number().check(z.int(), z.minimum(1))),
        "Extension: on everything a room sends; increases within the room.",
      ),
      ...fields,
    }),
    description,
  );

const readiness = z.enum([
  "loading",
  "ready",
  "buffering",
  "autoplay_blocked",
  "media_error",
  "ended",
]);

const participants = described(
  z.readonly(z.array(z.object({
    id: z.string(),
    name: z.string(),
    is_host: z.boolean(),
    is_cohost: described(z.boolean(), "May control playback when control is cohosts."),
    ready: described(z.boolean(), "Its player can play the room's media."),
    readiness: described(readiness, "How its player is, as it last said."),
    away: described(z.boolean(), "Its connection dropped; it may still resume."),
    away_until: described(
      z.nullable(z.number()),
      "Extension: when an away member's resume grace ends (server time); else null.",
    ),
    rtt_ms: described(
      z.nullable(z.number()),
      "Its own last measured round trip to the server, when it reports one.",
    ),
  }))),
  "Extension: every member, in the order they joined.",
);

const membership = z.object({ participant_count: count, participants });

export const RoomSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  count,
  media_id: z.nullable(z.string()),
  locked: described(z.boolean(), "Extension: joining needs a password or an invite."),
});

export const SERVER_MESSAGE_SCHEMAS = {
  client_hello: envelope(
    "client_hello",
    z.object({
      client_id: z.string(),
      resume_token: described(
        z.string(),
        "Extension: send it in `resume` on a new connection to get this session back.",
      ),
    }),
    client,
    "First message on every connection: this connection's id.",
  ),
  auth_success: envelope(
    "auth_success",
    z.object({
      user_name: z.string(),
      resume_token: described(
        z.optional(z.string()),
        "Extension (auth on): a resume token bound to this user; use it instead.",
      ),
    }),
    anyRoom,
    "The token was accepted (or, with auth off, the name was taken).",
  ),
  resumed: envelope(
    "resumed",
    z.object({
      client_id: z.string(),
      resume_token: described(z.string(), "A fresh resume token for this session."),
      room: z.nullable(z.string()),
      replayed: described(count, "Missed messages replayed right after this one."),
      state_follows: described(
        z.boolean(),
        "The gap was too old to replay: a fresh room_state follows.",
      ),
    }),
    client,
    "Extension: the session is back on this connection (same id, room and role).",
  ),
  waiting_on: envelope(
    "waiting_on",
    z.object({
      waiting: z.readonly(z.array(z.object({ id: z.string(), name: z.string(), readiness }))),
      deadline_ts: described(
        z.nullable(z.number()),
        "When the play starts anyway (server ms); null when nothing waits.",
      ),
    }),
    room,
    "Extension: whom a waiting play waits for, whenever that changes; empty when it is over.",
  ),
  chat_history: envelope(
    "chat_history",
    z.object({
      messages: z.readonly(z.array(z.object({
        client: z.string(),
        username: z.string(),
        text: z.string(),
        server_ts: serverTs,
      }))),
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
      token: described(z.string(), "Give it in join_room's invite to enter."),
      expires_at: described(serverTs, "When it stops working (server ms)."),
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
    z.readonly(z.array(RoomSummarySchema)),
    {
      ...anyRoom,
      total: described(
        z.optional(count),
        "Extension, on a filtered or paged list_rooms answer: rooms that match.",
      ),
      next: described(
        z.optional(z.nullable(z.string())),
        "Extension: the `after` of the next page, or null on the last.",
      ),
    },
    "Every open room. Pushed to connections in no room; the reply to list_rooms.",
  ),
  room_state: envelope(
    "room_state",
    z.object({
      name: z.string(),
      host_id: z.string(),
      participant_count: count,
      media_id: z.nullable(z.string()),
      state: z.object({
        position: described(position, "The position at server_ts."),
        play_state: playState,
      }),
      media_url: described(
        z.nullable(z.string()),
        "Extension: the room's media URL (http or https), null when none.",
      ),
      participants,
      control: described(
        z.enum(["host", "cohosts", "everyone"]),
        "Extension: who may control playback.",
      ),
      playback_rate: described(z.number(), "Extension: the room's playback rate."),
      locked: described(z.boolean(), "Extension: joining needs a password."),
      handoff: described(
        z.boolean(),
        "Extension: when the host leaves, another member hosts and the room goes on.",
      ),
      unlisted: described(
        z.boolean(),
        "Extension: the room is in nobody's room_list; it is joined by its id.",
      ),
      media_title: described(
        z.nullable(z.string()),
        "Extension: the title of what plays now, null when none was given.",
      ),
      media_item_id: described(
        z.string(),
        "Extension: which item plays now; a new id is new media, even at one URL.",
      ),
      queue: described(
        z.readonly(z.array(z.object({
          id: z.string(),
          media_url: z.string(),
          media_id: z.nullable(z.string()),
          title: z.nullable(z.string()),
          added_by: described(z.string(), "The member id of whoever added it."),
        }))),
        "Extension: what plays next, in order.",
      ),
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
      position: described(
        z.number(),
        "For play: the timeline's position at the envelope's server_ts (for " +
          "the upstream client; slightly negative at the very start of the media). " +
          "Otherwise the position the host sent.",
      ),
      play_state: described(playState, "The room's play state once it applies."),
      target_server_ts: described(serverTs, "When every player acts (epoch ms)."),
      position_at_target: described(
        position,
        "Where every player must be at target_server_ts.",
      ),
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

type Schemas = typeof SERVER_MESSAGE_SCHEMAS;

export const ServerMessageSchema = z.discriminatedUnion(
  "type",
  Object.values(SERVER_MESSAGE_SCHEMAS) as unknown as [
    Schemas[keyof Schemas],
    ...Schemas[keyof Schemas][],
  ],
);

// The builders' message types and the published schemas describe the same messages, type by
// type: a field added to one and not the other fails the type check, in either direction.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
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
