import assert from "node:assert/strict";
import {
  ERRORS,
  FIELD_MESSAGES,
  parseClientMessage,
  sanitizeChatText,
  sanitizeName,
} from "../../protocol/mod.ts";

const frame = (value: unknown) => parseClientMessage(JSON.stringify(value));
const errorOf = (value: unknown) => {
  const result = frame(value);
  assert.ok(!result.ok, `expected an error for ${JSON.stringify(value)}`);
  return result.error.message;
};

Deno.test("the envelope: type and ts required, room '' means no room, client ignored", () => {
  const result = frame({ type: "list_rooms", room: "", client: 42, ts: 1 });
  assert.ok(result.ok);
  assert.equal(result.message.room, null);
  assert.equal(errorOf({ type: "list_rooms" }), ERRORS.invalidFormat.message);
  assert.equal(errorOf({ ts: 1 }), ERRORS.invalidFormat.message);
  assert.equal(errorOf({ type: 5, ts: 1 }), ERRORS.invalidFormat.message);
  assert.equal(errorOf([1, 2]), ERRORS.invalidFormat.message);
  assert.equal(errorOf("text"), ERRORS.invalidFormat.message);
  assert.equal(parseClientMessage("{not json").ok, false);
});

Deno.test("unknown types, including names found on Object.prototype", () => {
  for (const type of ["bogus", "__proto__", "constructor", "toString", "hasOwnProperty"]) {
    assert.equal(errorOf({ type, ts: 1 }), ERRORS.unknownType.message);
  }
});

Deno.test("a payload must be an object", () => {
  assert.equal(errorOf({ type: "ping", ts: 1, payload: [1] }), FIELD_MESSAGES.payload);
  assert.equal(errorOf({ type: "ping", ts: 1, payload: "x" }), FIELD_MESSAGES.payload);
  assert.ok(frame({ type: "ping", ts: 1, payload: null }).ok);
});

Deno.test("player_event: action and position validated with messages that name the field", () => {
  const ok = frame({ type: "player_event", ts: 1, payload: { action: "buffering", position: 3 } });
  assert.ok(ok.ok);
  const bad = (payload: unknown) => errorOf({ type: "player_event", ts: 1, payload });
  assert.equal(bad({ action: "rewind", position: 1 }), FIELD_MESSAGES.action);
  assert.equal(bad({ action: "play" }), FIELD_MESSAGES.position);
  assert.equal(bad({ action: "play", position: "12" }), FIELD_MESSAGES.position);
  assert.equal(bad({ action: "play", position: -0.001 }), FIELD_MESSAGES.position);
  assert.equal(bad({ action: "play", position: 86_400.5 }), FIELD_MESSAGES.position);
  assert.ok(
    frame({ type: "player_event", ts: 1, payload: { action: "play", position: 86_400 } }).ok,
  );
  // 1e400 parses to Infinity in JSON.parse: not a finite position.
  const infinite = parseClientMessage(
    '{"type":"player_event","ts":1,"payload":{"action":"play","position":1e400}}',
  );
  assert.ok(!infinite.ok);
  assert.equal(infinite.error.message, FIELD_MESSAGES.position);
});

Deno.test("state_update requires a valid play_state", () => {
  const bad = errorOf({
    type: "state_update",
    ts: 1,
    payload: { position: 1, play_state: "stopped" },
  });
  assert.equal(bad, FIELD_MESSAGES.playState);
});

/** The payload a valid frame parses to. */
function payloadOf(type: string, payload: unknown): unknown {
  const result = frame({ type, ts: 1, payload });
  assert.ok(result.ok, `expected ${JSON.stringify(payload)} to parse`);
  return result.message.payload;
}

Deno.test("player_event: the schema owns play_state, at_server_ts and deferred", () => {
  const event = (extra: object) =>
    payloadOf("player_event", { action: "seek", position: 3, ...extra }) as Record<
      string,
      unknown
    >;
  assert.deepEqual(event({}), {
    action: "seek",
    position: 3,
    play_state: null,
    at_server_ts: null,
    deferred: false,
  });
  // An invalid play_state counts as not given (protocol 3.6), never as an error.
  assert.equal(event({ play_state: "stopped" }).play_state, null);
  assert.equal(event({ play_state: "playing" }).play_state, "playing");
  assert.equal(event({ at_server_ts: 1_700_000_000_123 }).at_server_ts, 1_700_000_000_123);
  assert.equal(event({ deferred: true }).deferred, true);
  const bad = (extra: object) =>
    errorOf({ type: "player_event", ts: 1, payload: { action: "play", position: 3, ...extra } });
  assert.equal(bad({ at_server_ts: "soon" }), FIELD_MESSAGES.atServerTs);
  assert.equal(bad({ at_server_ts: -1 }), FIELD_MESSAGES.atServerTs);
  assert.equal(bad({ deferred: "yes" }), FIELD_MESSAGES.deferred);
  assert.equal(bad({ deferred: true, at_server_ts: 5 }), FIELD_MESSAGES.timingExclusive);
  assert.ok(
    frame({
      type: "player_event",
      ts: 1,
      payload: { action: "play", position: 3, deferred: false, at_server_ts: 5 },
    }).ok,
  );
});

Deno.test("create_room: media_id pattern, name type, start_pos never an error", () => {
  const create = (payload: unknown) => frame({ type: "create_room", ts: 1, payload });
  assert.ok(create({ media_id: "0123456789abcdef0123456789abcdef", start_pos: "junk" }).ok);
  // An invalid or missing start position is 0; a valid one is kept.
  const startOf = (payload: object) =>
    (payloadOf("create_room", payload) as { start_pos: number }).start_pos;
  assert.equal(startOf({ start_pos: "junk" }), 0);
  assert.equal(startOf({ start_pos: -5 }), 0);
  assert.equal(startOf({}), 0);
  assert.equal(startOf({ start_pos: 42.5 }), 42.5);
  assert.equal(
    errorOf({ type: "create_room", ts: 1, payload: { media_id: "../etc" } }),
    ERRORS.invalidMediaId.message,
  );
  assert.equal(
    errorOf({ type: "create_room", ts: 1, payload: { media_id: "x".repeat(129) } }),
    ERRORS.invalidMediaId.message,
  );
  assert.equal(
    errorOf({ type: "create_room", ts: 1, payload: { media_id: "" } }),
    ERRORS.invalidMediaId.message,
  );
  assert.equal(errorOf({ type: "create_room", ts: 1, payload: { name: 7 } }), FIELD_MESSAGES.name);
  assert.ok(create({ name: null, media_id: null }).ok);
});

Deno.test("chat_message text must be a string", () => {
  assert.equal(
    errorOf({ type: "chat_message", ts: 1, room: "r", payload: {} }),
    FIELD_MESSAGES.text,
  );
});

Deno.test("names: trimmed, control and bidi characters removed, 100 code points, default", () => {
  assert.equal(sanitizeName("  Ann\u0000\u001b[31m \u202Eevil ", "x"), "Ann[31m evil");
  assert.equal(sanitizeName(" \u0007 ", "Anonymous"), "Anonymous");
  assert.equal(sanitizeName(undefined, "Anonymous"), "Anonymous");
  const long = sanitizeName("🎬".repeat(150), "x");
  assert.equal([...long].length, 100);
});

Deno.test("chat text keeps line breaks and drops other control characters", () => {
  assert.deepEqual(sanitizeChatText(" a\nb\u0000c\u0008 "), { ok: true, text: "a\nbc" });
  assert.deepEqual(sanitizeChatText("\u0000"), { ok: false, reason: "empty" });
});
