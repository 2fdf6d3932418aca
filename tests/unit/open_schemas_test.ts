/**
 * The client reads server messages with the enums opened (protocol/open_schemas.ts): a value
 * it does not know becomes the field's fallback instead of failing the whole message. The
 * server's own schemas stay closed: they say what this server sends.
 */
import assert from "node:assert/strict";
import {
  OPEN_SERVER_MESSAGE_SCHEMAS,
  OpenServerMessageSchema,
} from "../../protocol/open_schemas.ts";
import { SERVER_MESSAGE_SCHEMAS, ServerMessageSchema } from "../../protocol/server_schemas.ts";
import { build, type ParticipantInfo } from "../../protocol/server_messages.ts";

type Json = Record<string, unknown>;

const member: ParticipantInfo = {
  id: "c2",
  name: "Bea",
  is_host: false,
  is_cohost: false,
  ready: false,
  readiness: "loading",
  away: false,
  away_until: null,
  rtt_ms: null,
};
const membership = { participant_count: 1, participants: [member] };
const point = { target_server_ts: 6_000, position_at_target: 10, play_state: "playing" } as const;

/** One message the builders make for each type with an enum field. */
const SAMPLES = {
  room_closed: build.roomClosed("r1", "host_left", 5_000),
  host_changed: build.hostChanged("r1", {
    host_id: "c2",
    previous_host_id: "c1",
    reason: "host_left",
  }, 5_000),
  rate_changed: build.rateChanged("r1", "c1", { rate: 1.5, ...point }, 5_000),
  waiting_on: build.waitingOn("r1", {
    waiting: [{ id: "c2", name: "Bea", readiness: "buffering" }],
    deadline_ts: 7_000,
  }, 5_000),
  room_state: build.roomState("r1", {
    name: "Film",
    host_id: "c1",
    participant_count: 1,
    media_id: null,
    state: { position: 10, play_state: "paused" },
    media_url: null,
    participants: [member],
    control: "everyone",
    playback_rate: 1,
    locked: false,
    handoff: false,
    unlisted: false,
    media_title: null,
    media_item_id: "item-1",
    queue: [],
  }, 5_000),
  participants_update: build.participantsUpdate("r1", "c2", membership, 5_000),
  client_left: build.clientLeft("r1", "c2", membership, 5_000),
  player_event: build.playerEvent("r1", "c1", { action: "play", position: 10, ...point }, 4_000),
  state_update: build.stateUpdate("r1", "c1", { position: 10, play_state: "playing" }, 5_000),
};

/** Each enum field of a server message (a path into the sample) and the client's fallback. */
const OPENED: readonly [keyof typeof SAMPLES, readonly (string | number)[], unknown][] = [
  ["room_closed", ["payload", "code"], "unknown"],
  ["host_changed", ["payload", "reason"], "transfer"],
  ["rate_changed", ["payload", "play_state"], "paused"],
  ["waiting_on", ["payload", "waiting", 0, "readiness"], null],
  ["room_state", ["payload", "state", "play_state"], "paused"],
  ["room_state", ["payload", "participants", 0, "readiness"], null],
  ["room_state", ["payload", "control"], "host"],
  ["participants_update", ["payload", "participants", 0, "readiness"], null],
  ["client_left", ["payload", "participants", 0, "readiness"], null],
  ["player_event", ["payload", "action"], "seek"],
  ["player_event", ["payload", "play_state"], "paused"],
  ["state_update", ["payload", "play_state"], "paused"],
];

/** A deep copy of `message` with `value` at `path`. */
function withValue(message: unknown, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(message) as Json;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

function valueAt(message: unknown, path: readonly (string | number)[]): unknown {
  let at = message;
  for (const key of path) at = (at as Record<string | number, unknown>)[key];
  return at;
}

Deno.test("an enum value the client does not know reads as the field's fallback", () => {
  // Names found on Object.prototype, and the empty string, are values it does not know too.
  for (const value of ["from_the_future", "constructor", "toString", "__proto__", ""]) {
    for (const [type, path, fallback] of OPENED) {
      const future = withValue(SAMPLES[type], path, value);
      const read = OpenServerMessageSchema.safeParse(future);
      assert.ok(read.success, `${type}.${path.join(".")}: ${JSON.stringify(read.error)}`);
      assert.deepEqual(read.data, withValue(SAMPLES[type], path, fallback), path.join("."));
    }
  }
});

Deno.test("the server's own schemas still refuse it: they stay closed", () => {
  for (const [type, path] of OPENED) {
    const future = withValue(SAMPLES[type], path, "from_the_future");
    assert.equal(ServerMessageSchema.safeParse(future).success, false, `${type} ${path}`);
    // The message as built is valid on both sides.
    assert.ok(ServerMessageSchema.safeParse(SAMPLES[type]).success, type);
  }
});

Deno.test("known values read as they are; a value that is not a string still fails", () => {
  for (const [type, path] of OPENED) {
    const read = OpenServerMessageSchema.safeParse(SAMPLES[type]);
    assert.ok(read.success, type);
    assert.deepEqual(read.data, SAMPLES[type]);
    assert.equal(valueAt(read.data, path), valueAt(SAMPLES[type], path));
    for (const wrong of [7, null, undefined, { code: "host_left" }]) {
      const bad = withValue(SAMPLES[type], path, wrong);
      assert.equal(OpenServerMessageSchema.safeParse(bad).success, false, `${path} ${wrong}`);
    }
  }
});

Deno.test("an error code the client does not know is read as it is (the field is a string)", () => {
  const future = build.error({ code: "from_the_future", message: "Something new" }, 5_000, "r1");
  assert.deepEqual(OpenServerMessageSchema.parse(future), future);
  assert.deepEqual(ServerMessageSchema.parse(future), future);
});

/** The paths of the enums in a schema; a union (an opened enum) is not looked into. */
function closedEnums(schema: unknown, path: string, found: string[]): string[] {
  const def = (schema as { _zod: { def: Json } })._zod.def;
  switch (def.type) {
    case "enum":
      found.push(path);
      break;
    case "object":
      for (const [key, field] of Object.entries(def.shape as Json)) {
        closedEnums(field, `${path}.${key}`, found);
      }
      break;
    case "array":
      closedEnums(def.element, `${path}[]`, found);
      break;
    case "readonly":
    case "optional":
    case "nullable":
      closedEnums(def.innerType, path, found);
      break;
  }
  return found;
}

Deno.test("every enum of the server's schemas is open in the client's", () => {
  const inServer = Object.entries(SERVER_MESSAGE_SCHEMAS).flatMap(([type, schema]) =>
    closedEnums(schema, type, [])
  );
  // The walk finds them (a new one lands here, and needs a fallback in open_schemas.ts)...
  assert.deepEqual(
    inServer.sort(),
    [
      "host_changed.payload.reason",
      "participants_update.payload.participants[].readiness",
      "client_left.payload.participants[].readiness",
      "player_event.payload.action",
      "player_event.payload.play_state",
      "rate_changed.payload.play_state",
      "room_closed.payload.code",
      "room_state.payload.control",
      "room_state.payload.participants[].readiness",
      "room_state.payload.state.play_state",
      "state_update.payload.play_state",
      "waiting_on.payload.waiting[].readiness",
    ].sort(),
  );
  // ...and the client's schemas have none left closed.
  const inClient = Object.entries(OPEN_SERVER_MESSAGE_SCHEMAS).flatMap(([type, schema]) =>
    closedEnums(schema, type, [])
  );
  assert.deepEqual(inClient, []);
  // Every field the test above opens is one of them.
  assert.equal(OPENED.length, inServer.length);
});
