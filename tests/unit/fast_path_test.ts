/**
 * The hand-written fast path (protocol/fast_path.ts) may only ever agree with zod: on every
 * frame, parseClientMessage (fast path first) must give exactly what the schemas alone give,
 * the same message or the same error.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseClientMessage, parseWithSchemas } from "../../protocol/mod.ts";
import { fastParse } from "../../protocol/fast_path.ts";

const odd = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    -1,
    86_400,
    86_400.5,
    60_000,
    60_001,
    1e308,
    "",
    "play",
    "pause",
    "seek",
    "buffering",
    "playing",
    "paused",
    "ready",
    "loading",
    "autoplay_blocked",
    "rewind",
  ),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.anything({ maxDepth: 2 }),
);

const payload = fc.record({
  action: fc.oneof(fc.constantFrom("play", "pause", "seek", "buffering"), odd),
  position: fc.oneof(fc.double({ min: 0, max: 86_400, noNaN: true }), odd),
  play_state: fc.oneof(fc.constantFrom("playing", "paused"), odd),
  at_server_ts: fc.oneof(fc.nat(), odd),
  deferred: fc.oneof(fc.boolean(), odd),
  rtt_ms: fc.oneof(fc.double({ min: 0, max: 70_000 }), odd),
  text: fc.oneof(fc.string({ maxLength: 20 }), odd),
  state: fc.oneof(fc.constantFrom("loading", "ready", "buffering", "autoplay_blocked"), odd),
  media_id: odd,
  extra: odd,
}, { requiredKeys: [] });

const envelope = fc.record({
  type: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("ping", "state_update", "player_event") },
    { weight: 3, arbitrary: fc.constantFrom("chat_message", "ready", "join_room", "bogus") },
    { weight: 1, arbitrary: odd },
  ),
  room: fc.oneof(fc.constantFrom("", "r1"), fc.string({ minLength: 120, maxLength: 140 }), odd),
  payload: fc.oneof({ weight: 8, arbitrary: payload }, { weight: 1, arbitrary: odd }),
  ts: fc.oneof({ weight: 8, arbitrary: fc.nat() }, { weight: 1, arbitrary: odd }),
  client: odd,
}, { requiredKeys: ["type", "ts"] });

function agree(text: string): void {
  const both = parseClientMessage(text);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    assert.equal(both.ok, false);
    return;
  }
  assert.deepStrictEqual(both, parseWithSchemas(raw), text);
}

Deno.test("the fast path gives what zod gives, message or error, on random frames", () => {
  let fast = 0;
  fc.assert(
    fc.property(envelope, (value) => {
      if (fastParse(value) !== undefined) fast++;
      agree(JSON.stringify(value));
    }),
    { seed: 1313, numRuns: 20_000 },
  );
  // The comparison means something only if many frames did take the fast path.
  assert.ok(fast > 2_000, `only ${fast} frames took the fast path`);
});

Deno.test("the fast path agrees on the numbers JSON.parse makes infinite, and prototype keys", () => {
  for (
    const text of [
      '{"type":"state_update","ts":1,"payload":{"position":1,"play_state":"playing","at_server_ts":1e400}}',
      '{"type":"player_event","ts":1,"payload":{"action":"play","position":1e400}}',
      '{"type":"ping","ts":1e400}',
      '{"type":"ping","ts":1,"payload":{"rtt_ms":1e400}}',
      '{"type":"ping","ts":1,"payload":{"__proto__":{"polluted":true},"client_ts":1}}',
      '{"type":"chat_message","ts":1,"payload":{"__proto__":{"text":"x"}}}',
      '{"type":"ready","ts":1,"payload":{"state":null}}',
      '{"type":"player_event","ts":1,"payload":{"action":"play","position":1,"deferred":true,"at_server_ts":5}}',
    ]
  ) agree(text);
});

Deno.test("the party's hot frames take the fast path; the rest are left to zod", () => {
  assert.ok(fastParse({ type: "ping", ts: 1, payload: { client_ts: 1 } }));
  assert.ok(
    fastParse({ type: "state_update", ts: 1, payload: { position: 1, play_state: "playing" } }),
  );
  assert.equal(fastParse({ type: "join_room", ts: 1, room: "r" }), undefined);
  assert.equal(fastParse({ type: "ping" }), undefined);
});
