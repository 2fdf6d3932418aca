/**
 * The generated JSON Schema, checked by an independent validator (Ajv, draft 2020-12): every
 * message a real session receives is a valid ServerMessage, and client frames the server
 * accepts or refuses are valid or invalid ClientMessages alike.
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseClientMessage } from "../../protocol/mod.ts";
import { protocolJsonSchema } from "../../protocol/json_schema.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

function validators() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(protocolJsonSchema(), "protocol");
  return {
    server: ajv.getSchema("protocol#/$defs/ServerMessage")!,
    client: ajv.getSchema("protocol#/$defs/ClientMessage")!,
  };
}

Deno.test("every message of a real session is a valid ServerMessage in the JSON Schema", async () => {
  const { server } = validators();
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, guest, lobby] = clients;
  const roomId = await makeRoom(host!, [guest!]);
  guest!.send("ready", {}, roomId);
  await guest!.barrier();
  host!.send("player_event", { action: "play", position: 0.1 }, roomId);
  await guest!.next("player_event");
  clock.advance(3_000);
  host!.send("state_update", { position: 3.5, play_state: "playing" }, roomId);
  host!.send("player_event", { action: "seek", position: 60, play_state: "playing" }, roomId);
  guest!.send("chat_message", { text: "hi" }, roomId);
  guest!.send("player_event", { action: "pause", position: 1 }, roomId); // error: not host
  guest!.send("leave_room", {}, roomId);
  host!.send("leave_room", {}, roomId);
  for (const client of [host!, guest!, lobby!]) await client.barrier();
  const types = new Set<string>();
  for (const client of [host!, guest!, lobby!]) {
    for (const message of client.received) {
      types.add(message.type);
      assert.ok(server(message), `${JSON.stringify(message)}: ${JSON.stringify(server.errors)}`);
    }
  }
  for (
    const type of [
      "client_hello",
      "room_list",
      "room_state",
      "participants_update",
      "player_event",
      "state_update",
      "chat_message",
      "client_left",
      "error",
      "pong",
    ]
  ) assert.ok(types.has(type), `the session covers ${type}`);
});

Deno.test("client frames: what the server accepts the JSON Schema accepts, and the same refusals", () => {
  const { client } = validators();
  const frames = [
    { type: "create_room", ts: 1, payload: { name: "Film", media_id: "abc_123", start_pos: 5 } },
    { type: "join_room", room: "r", ts: 1, payload: { user_name: "Ann" } },
    { type: "player_event", room: "r", ts: 1, payload: { action: "play", position: 3 } },
    {
      type: "player_event",
      room: "r",
      ts: 1,
      payload: { action: "seek", position: 3, play_state: "playing", at_server_ts: 1e12 },
    },
    { type: "state_update", room: "r", ts: 1, payload: { position: 3, play_state: "paused" } },
    { type: "ping", ts: 1, payload: { client_ts: 5 } },
    { type: "chat_message", room: "r", ts: 1, payload: { text: "hi" } },
    { type: "list_rooms", room: "", ts: 1 },
  ];
  for (const frame of frames) {
    assert.ok(parseClientMessage(JSON.stringify(frame)).ok, JSON.stringify(frame));
    assert.ok(client(frame), `${JSON.stringify(frame)}: ${JSON.stringify(client.errors)}`);
  }
  const refused = [
    { type: "player_event", ts: 1, payload: { action: "rewind", position: 3 } },
    { type: "player_event", ts: 1, payload: { action: "play", position: -1 } },
    { type: "state_update", ts: 1, payload: { position: 3, play_state: "stopped" } },
    { type: "create_room", ts: 1, payload: { media_id: "../x" } },
    { type: "chat_message", ts: 1, payload: { text: 5 } },
    { type: "ping" },
    { type: "teleport", ts: 1 },
  ];
  for (const frame of refused) {
    assert.ok(!parseClientMessage(JSON.stringify(frame)).ok, JSON.stringify(frame));
    assert.ok(!client(frame), `the JSON Schema should refuse ${JSON.stringify(frame)}`);
  }
});
