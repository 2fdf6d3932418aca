/**
 * Hostile frames for the fuzz tests (tests/integration/fuzz_test.ts, cluster_fuzz_test.ts):
 * random JSON, envelope-shaped frames with wrong types and extreme values, prototype keys, deep
 * nesting, long and exotic strings and binary frames, and plausible frames with real room ids,
 * tokens and client ids mixed with hostile values.
 */
import fc from "fast-check";
import { CLIENT_MESSAGE_TYPES } from "../../protocol/mod.ts";

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-0",
    "",
    " ",
    "\u0000",
    "\u202E",
    "null",
  ),
  fc.integer({ min: 1, max: 2_000 }).map((n) => "x".repeat(n)),
);
// Frames around and far past MAX_FRAME_BYTES. Kept rare: Deno's WebSocket *client* (not the
// server) takes tens of milliseconds to send one.
const hugeText = fc.integer({ min: 60_000, max: 70_000 }).map((n) => "x".repeat(n));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.double(), // NaN and ±Infinity become null in JSON
  fc.integer(),
  fc.constantFrom(0, -1, 86_400, 86_400.0001, Number.MAX_SAFE_INTEGER, 1e308, -1e-308),
  fc.constantFrom("play", "pause", "seek", "buffering", "playing", "paused"),
  fc.boolean(),
  fc.constant(null),
  fc.anything({ maxDepth: 3 }),
);
const payloadKeys = fc.constantFrom(
  "action",
  "position",
  "play_state",
  "text",
  "name",
  "media_id",
  "user_name",
  "user_id",
  "token",
  "start_pos",
  "at_server_ts",
  "deferred",
  "handoff",
  "token",
  "last_seq",
  "client_id",
  "rtt_ms",
  "state",
  "control",
  "cohost",
  "rate",
  "password",
  "invite",
  "ttl_s",
  "limit",
  "after",
  "client_ts",
  "category",
  "message",
  "constructor",
  "toString",
);

/** What the clients hold that a resume or a hand-over could name. */
export interface Known {
  readonly tokens: string[];
  readonly clientIds: string[];
}

export const frameFor = (roomIds: () => string[], known: Known) =>
  fc.oneof(
    // Well-formed envelopes with plausible-or-hostile payloads: these reach the rooms.
    { weight: 14, arbitrary: plausibleFor(roomIds, known) },
    // Envelope-shaped: mostly real types, hostile everything else.
    { weight: 6, arbitrary: envelopeFor(roomIds) },
    { weight: 3, arbitrary: fc.json({ maxDepth: 4 }) },
    // Prototype keys written as raw JSON (object literals would swallow them).
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"type":"ping"},"type":"ping","ts":1}',
        '{"type":"ping","ts":1,"payload":{"__proto__":{"polluted":true},"client_ts":1}}',
        '{"type":"create_room","ts":1,"payload":{"__proto__":{"name":"x"},"constructor":{"prototype":{"a":1}}}}',
        '{"type":"player_event","ts":1e999,"payload":{"action":"play","position":1e400}}',
        '{"type":"state_update","ts":1,"payload":{"position":-0,"play_state":"playing"}}',
        '{"type":"chat_message","ts":1,"room":"","payload":{"text":"\\u0000\\u0007"}}',
      ),
    },
    // Deep nesting, inside and outside the payload.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100, max: 4_000 }).map((depth) =>
        "[".repeat(depth) + "]".repeat(depth)
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100, max: 1_500 }).map((depth) =>
        `{"type":"ping","ts":1,"payload":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`
      ),
    },
    {
      weight: 1,
      arbitrary: hugeText.map((pad) => JSON.stringify({ type: "ping", ts: 1, payload: { pad } })),
    },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );

/** A room id among those alive when the frame is generated (rooms come and go). */
const liveRoom = (roomIds: () => string[]) =>
  fc.nat().map((i) => {
    const ids = roomIds();
    return ids[i % ids.length]!;
  });

function plausibleFor(roomIds: () => string[], known: Known) {
  const position = fc.oneof(fc.double({ min: 0, max: 86_400, noNaN: true }), hostileValue);
  const fields = fc.record({
    action: fc.oneof(fc.constantFrom("play", "pause", "seek", "buffering"), hostileValue),
    position,
    start_pos: position,
    play_state: fc.oneof(fc.constantFrom("playing", "paused"), hostileValue),
    // Around the server's clock (the ManualClock starts at 1.7e12), far off, and hostile.
    at_server_ts: fc.oneof(
      fc.integer({ min: 1_700_000_000_000 - 10_000, max: 1_700_000_000_000 + 10_000 }),
      hostileValue,
    ),
    deferred: fc.oneof(fc.boolean(), hostileValue),
    handoff: fc.oneof(fc.boolean(), hostileValue),
    // Real tokens and ids of the fuzzing clients (a resume of a live session, a hand-over to a
    // member), and hostile ones.
    token: fc.oneof(fc.constantFrom(...known.tokens), hostileValue),
    last_seq: fc.oneof(fc.nat({ max: 400 }), hostileValue),
    client_id: fc.oneof(fc.constantFrom(...known.clientIds), hostileValue),
    rtt_ms: fc.oneof(fc.double({ min: 0, max: 1_000 }), hostileValue),
    state: fc.oneof(
      fc.constantFrom("loading", "ready", "buffering", "autoplay_blocked", "media_error"),
      hostileValue,
    ),
    control: fc.oneof(fc.constantFrom("host", "cohosts", "everyone"), hostileValue),
    cohost: fc.oneof(fc.boolean(), hostileValue),
    rate: fc.oneof(fc.double({ min: 0.4, max: 2.1, noNaN: true }), hostileValue),
    // A password makes a room slow to enter on purpose (PBKDF2): kept rare and short.
    password: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, {
      weight: 1,
      arbitrary: fc.oneof(fc.constantFrom("pw", ""), hostileValue),
    }),
    invite: fc.oneof(fc.constant("a.b.c"), hostileValue),
    ttl_s: fc.oneof(fc.integer({ min: 0, max: 700_000 }), hostileValue),
    limit: fc.oneof(fc.integer({ min: 0, max: 600 }), hostileValue),
    after: fc.oneof(fc.constantFrom("c1", "c999", "x"), hostileValue),
    text: fc.oneof(fc.string({ unit: "grapheme", maxLength: 600 }), hostileValue),
    name: fc.oneof(hostileText, hostileValue),
    user_name: fc.oneof(hostileText, hostileValue),
    media_id: fc.oneof(fc.stringMatching(/^[a-f0-9]{32}$/), hostileValue),
    client_ts: fc.integer(),
  }, { requiredKeys: [] });
  return fc.record({
    type: fc.constantFrom(...CLIENT_MESSAGE_TYPES),
    room: fc.oneof({ weight: 5, arbitrary: liveRoom(roomIds) }, fc.constant(""), hostileText),
    payload: fields,
    ts: fc.integer({ min: 0 }),
  }).map((value) => JSON.stringify(value));
}

function envelopeFor(roomIds: () => string[]) {
  return fc.record({
    type: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...CLIENT_MESSAGE_TYPES) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"),
      },
      { weight: 1, arbitrary: hostileText },
      { weight: 1, arbitrary: hostileValue },
    ),
    room: fc.oneof(fc.constantFrom(...roomIds(), ""), hostileValue),
    client: hostileValue,
    payload: fc.oneof(fc.dictionary(payloadKeys, hostileValue, { maxKeys: 5 }), hostileValue),
    ts: fc.oneof(fc.integer(), fc.double(), hostileText),
  }, { requiredKeys: [] }).map((value) => JSON.stringify(value));
}
