/**
 * The server → client messages as a client reads them: the published schemas
 * (server_schemas.ts) with every enum opened. A newer server may send a value this client was
 * built before (a new `room_closed` code during a rolling deploy); a closed enum would make
 * the whole message fail its schema and be ignored, and the user would never learn the room
 * closed. Here each enum field accepts its known values as they are and any other string as
 * the fallback chosen below, the safe reading of "something this client does not know"; a
 * value that is not a string at all still fails, as before. So the types a client sees stay
 * the known unions (plus the fallback), and its switches stay exhaustive.
 *
 * The server's schemas, and docs/protocol.schema.json generated from them, stay closed: they
 * say what this server sends. Only the browser client (client/sync_client.ts) parses with
 * these; nothing on the server imports this file.
 *
 * Built from the server's schemas themselves (the same enums, objects and fields, only the
 * enum fields replaced), so a value or field added there is known here at the next build.
 * tests/unit/open_schemas_test.ts fails when an enum of the server's schemas is left closed
 * here. zod/mini, like server_schemas.ts: nothing here may import classic "zod".
 */
import * as z from "zod/mini";
import { SERVER_MESSAGE_SCHEMAS as S } from "./server_schemas.ts";
import type { ServerMessage } from "./server_messages.ts";

/**
 * `schema`'s values as they are, and any other string as `fallback`: the one mechanism by
 * which the client reads enums. A string whose value is then replaced (zod's `overwrite`, as
 * its `trim` is made) rather than a union with a transform: the same reading for ~300 fewer
 * gzipped bytes in the page. The cast says what the replacement guarantees: a known value or
 * the fallback. The values are looked up in the enum's list, not its object of entries, so
 * "constructor" and the like are unknown too.
 */
export const openEnum = <T extends z.core.util.EnumLike, const F>(
  schema: z.ZodMiniEnum<T>,
  fallback: F,
) => {
  const known: readonly unknown[] = schema.options;
  return z.string().check(
    z.overwrite((value) => known.includes(value) ? value : fallback as unknown as string),
  ) as unknown as z.ZodMiniType<z.output<typeof schema> | F, string>;
};

/**
 * An object schema with some fields replaced (the others as they are). zod's `extend` refuses
 * to overwrite fields of a schema with checks (a description is one), so it extends a plain
 * copy of the shape; descriptions are for the JSON Schema, which is not made from these.
 */
const replacing = <T extends z.ZodMiniObject, U extends z.core.$ZodLooseShape>(
  schema: T,
  shape: U,
) => z.extend(z.object(schema.shape as T["shape"]), shape);

// --- the fallbacks: what an unknown value means for the user ---

/**
 * A play state this client does not know plays nothing: "paused". The player holds at the
 * message's position rather than running on a timeline it cannot read; the next message it
 * knows (a command, a state update, a room_state) puts it back in step.
 */
const playState = openEnum(S.state_update.shape.payload.shape.play_state, "paused");

/**
 * A readiness this client does not know is null, as from a server that does not say: the
 * page then goes by the member's `ready` flag, the server's own verdict (a new "ready, but..."
 * state shows as ready; a new "not ready because..." one as loading, or, in waiting_on, as
 * waited for without a reason).
 */
const member = S.room_state.shape.payload.shape.participants.def.innerType.def.element;
const readiness = openEnum(member.shape.readiness, null);
const participants = z.readonly(z.array(replacing(member, { readiness })));

const waiter = S.waiting_on.shape.payload.shape.waiting.def.innerType.def.element;

/** A membership payload (participants_update, client_left) with its members opened. */
const membership = (schema: typeof S.participants_update | typeof S.client_left) =>
  replacing(schema, { payload: replacing(schema.shape.payload, { participants }) });

/**
 * The messages with an enum field, those fields opened; the other types are the server's
 * schemas as they are. Each field's fallback and why:
 */
export const OPEN_SERVER_MESSAGE_SCHEMAS = {
  ...S,
  /** An unknown `reason`: "transfer", the neutral one (the page says who hosts, not why). */
  host_changed: replacing(S.host_changed, {
    payload: replacing(S.host_changed.shape.payload, {
      reason: openEnum(S.host_changed.shape.payload.shape.reason, "transfer"),
    }),
  }),
  /** `play_state` as above. */
  rate_changed: replacing(S.rate_changed, {
    payload: replacing(S.rate_changed.shape.payload, { play_state: playState }),
  }),
  /** Each waiting member's `readiness` as above. */
  waiting_on: replacing(S.waiting_on, {
    payload: replacing(S.waiting_on.shape.payload, {
      waiting: z.readonly(z.array(replacing(waiter, { readiness }))),
    }),
  }),
  /**
   * An unknown `control`: "host", the safe one: only the host controls playback, so a member
   * never sends commands the room may refuse. `play_state` and each member's `readiness` as
   * above.
   */
  room_state: replacing(S.room_state, {
    payload: replacing(S.room_state.shape.payload, {
      state: replacing(S.room_state.shape.payload.shape.state, { play_state: playState }),
      participants,
      control: openEnum(S.room_state.shape.payload.shape.control, "host"),
    }),
  }),
  participants_update: membership(S.participants_update),
  client_left: membership(S.client_left),
  /**
   * An unknown `action`: "seek". Every player_event names where the room's timeline is at its
   * target (`position_at_target`, in `play_state`); a command this client cannot name is
   * carried out as a move to that point, so the player ends where the room is. `play_state`
   * as above.
   */
  player_event: replacing(S.player_event, {
    payload: replacing(S.player_event.shape.payload, {
      action: openEnum(S.player_event.shape.payload.shape.action, "seek"),
      play_state: playState,
    }),
  }),
  /** `play_state` as above. */
  state_update: replacing(S.state_update, {
    payload: replacing(S.state_update.shape.payload, { play_state: playState }),
  }),
  /**
   * An unknown `code`: "unknown". The room is closed all the same (we are in no room); the
   * page says so with its generic text and the message's own `reason`.
   */
  room_closed: replacing(S.room_closed, {
    payload: replacing(S.room_closed.shape.payload, {
      code: openEnum(S.room_closed.shape.payload.shape.code, "unknown"),
    }),
  }),
  // `error`'s `code` is an open string in the server's schema already: a code this client
  // does not know is an error like any other, shown with the server's `message`.
} as const;

type Schemas = typeof OPEN_SERVER_MESSAGE_SCHEMAS;

/** What the client parses every frame with: a type it does not know still fails (ignored). */
export const OpenServerMessageSchema = z.discriminatedUnion(
  "type",
  Object.values(OPEN_SERVER_MESSAGE_SCHEMAS) as unknown as [
    Schemas[keyof Schemas],
    ...Schemas[keyof Schemas][],
  ],
);

/** A server message as the client reads it: known values, or the fallbacks above. */
export type OpenServerMessage = z.infer<typeof OpenServerMessageSchema>;

/** The payload of one type of message, as the client reads it. */
export type OpenPayload<T extends OpenServerMessage["type"]> = Extract<
  OpenServerMessage,
  { type: T }
>["payload"];

// Whatever the server builds is a message the client reads, type by type: opening only adds
// fallbacks, it never narrows a field.
type ReadAsBuilt = {
  [K in ServerMessage["type"]]: Extract<ServerMessage, { type: K }> extends
    Extract<OpenServerMessage, { type: K }> ? true : false;
}[ServerMessage["type"]];
const everyBuiltMessageIsRead: [ReadAsBuilt] extends [true] ? true : false = true;
void everyBuiltMessageIsRead;
