/**
 * Hostile input, generated: random JSON, envelope-shaped frames with wrong types and extreme
 * values, prototype keys, deep nesting, long and exotic strings and binary frames, from several
 * clients at once against one real server. After every batch each client must still get a
 * correct answer to a valid frame; after every batch the room invariants must hold and no handler may
 * have failed. Replay a failure with FUZZ_SEED=<seed>.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CLIENT_MESSAGE_TYPES, type ServerMessage } from "../../protocol/mod.ts";
import type { RoomRegistry } from "../../rooms/registry.ts";
import { createLogger } from "../../server/log.ts";
import { closeAll, connectClients } from "../helpers/session.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer } from "../helpers/test_server.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 424242);
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 500);

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
interface Known {
  readonly tokens: string[];
  readonly clientIds: string[];
}

const frameFor = (roomIds: () => string[], known: Known) =>
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
      fc.constantFrom("loading", "ready", "buffering", "autoplay_blocked"),
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

/** Room invariants across the whole registry; checked after every batch, not just at the end. */
function checkInvariants(registry: RoomRegistry, clients: TestClient[]): void {
  for (const room of registry.rooms()) {
    const snapshot = room.snapshot();
    // Exactly one host per open room, and it is a member.
    assert.ok(snapshot.memberIds.includes(snapshot.hostId), "a room lost its host");
    for (const id of snapshot.awayIds) {
      assert.ok(snapshot.memberIds.includes(id), `${id} is away but not a member`);
    }
    for (const id of snapshot.readyIds) {
      assert.ok(snapshot.memberIds.includes(id), `${id} is ready but not a member`);
    }
    for (const id of snapshot.memberIds) assert.equal(registry.roomOf(id), room.id);
    assert.ok(snapshot.memberIds.length <= room.maxMembers);
    assert.ok(Number.isFinite(snapshot.playback.position));
  }
  for (const client of clients) {
    const roomId = registry.roomOf(client.id);
    if (roomId) assert.ok(registry.get(roomId)!.snapshot().memberIds.includes(client.id));
  }
  // Every connection is in a room or in the lobby, never both, never neither (auth is off).
  const inRooms = clients.filter((client) => registry.roomOf(client.id) !== undefined).length;
  assert.equal(registry.lobbySize, clients.length - inRooms, "the lobby lost count");
}

Deno.test(`fuzz: hostile frames from several clients never break the server (seed ${SEED})`, async () => {
  const failures: string[] = [];
  const log = createLogger("error", (line) => failures.push(line));
  // No budgets in the way: the fuzzer must reach the handlers, create_room included.
  const test = startTestServer({
    log,
    env: { RATE_LIMIT_PER_SECOND: "100000", ROOM_CREATIONS_PER_MINUTE: "100000" },
  });
  const clients = await connectClients(test, 4);
  const [host, guestA, guestB] = clients;
  let frames = 0;
  try {
    host!.send("create_room", { name: "Fuzz" });
    const roomId = (await host!.next("room_state")).room!;
    for (const guest of [guestA!, guestB!]) guest.send("join_room", {}, roomId);
    const liveRoomIds = () => [roomId, ...[...test.server.registry.rooms()].map((r) => r.id)];
    const known: Known = {
      tokens: clients.map((c) =>
        (c.received[0] as Extract<ServerMessage, { type: "client_hello" }>).payload.resume_token
      ),
      clientIds: clients.map((c) => c.id),
    };

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(clients.length - 1), frameFor(liveRoomIds, known)), {
          minLength: 1,
          maxLength: 20,
        }),
        async (batch) => {
          for (const [index, frame] of batch) {
            clients[index]!.sendRaw(frame);
            frames++;
          }
          // Every client still gets a correct answer to a valid frame.
          await Promise.all(clients.map((client) => client.barrier()));
          checkInvariants(test.server.registry, clients);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );

    assert.deepEqual(failures, [], "a handler failed");
    for (const client of clients) {
      assert.equal(client.readyState, WebSocket.OPEN);
      const internal = client.received.filter((m) =>
        m.type === "error" && (m.payload as { code: string }).code === "internal"
      );
      assert.deepEqual(internal, []);
    }
    checkInvariants(test.server.registry, clients);
    assert.equal(
      ({} as Record<string, unknown>)["polluted"],
      undefined,
      "Object.prototype polluted",
    );
    // And a newcomer is served normally.
    const newcomer = await TestClient.connect(test.wsUrl);
    await newcomer.next("room_list");
    clients.push(newcomer);
    console.log(`fuzz: ${frames} frames, seed ${SEED}, ${RUNS} runs`);
  } finally {
    await closeAll(test, clients);
  }
});
