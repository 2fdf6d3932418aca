import assert from "node:assert/strict";
import { ERRORS, FIELD_MESSAGES } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import type { TestClient } from "../helpers/test_client.ts";
import { startTestServer } from "../helpers/test_server.ts";

async function expectError(client: TestClient, message: string, room?: string) {
  const error = await client.next("error");
  assert.equal(error.payload.message, message);
  if (room !== undefined) assert.equal(error.room, room);
  return error;
}

Deno.test("every error string of docs/protocol.md 3, each from a real socket", async (t) => {
  await using test = startTestServer({ env: { MAX_CLIENTS_PER_ROOM: "2", MAX_ROOMS: "2" } });
  await using clients = await connectClients(test, 4);
  const [host, guest, outsider, other] = clients;
  const roomId = await makeRoom(host!, [guest!]);

  await t.step("Unknown message type", async () => {
    outsider!.send("teleport");
    await expectError(outsider!, ERRORS.unknownType.message);
  });
  await t.step("Room not found, for an unknown id and for room ''", async () => {
    outsider!.send("join_room", {}, "no-such-room");
    await expectError(outsider!, ERRORS.roomNotFound.message);
    outsider!.send("join_room", {}, "");
    await expectError(outsider!, ERRORS.roomNotFound.message);
  });
  await t.step(
    "Room is full, with the room id; the refused client stays where it was",
    async () => {
      outsider!.send("join_room", {}, roomId);
      await expectError(outsider!, ERRORS.roomFull.message, roomId);
      assert.equal(test.server.registry.get(roomId)!.memberCount, 2);
    },
  );
  await t.step("Only the host can control playback / send state updates", async () => {
    guest!.send("player_event", { action: "pause", position: 1 }, roomId);
    await expectError(guest!, ERRORS.notHostPlayback.message, roomId);
    guest!.send("state_update", { position: 1, play_state: "paused" }, roomId);
    await expectError(guest!, ERRORS.notHostState.message, roomId);
  });
  await t.step("chat: room required, membership, empty, too long", async () => {
    guest!.send("chat_message", { text: "hi" });
    await expectError(guest!, ERRORS.chatRoomRequired.message);
    outsider!.send("chat_message", { text: "hi" }, roomId);
    await expectError(outsider!, ERRORS.notInRoom.message, roomId);
    outsider!.send("chat_message", { text: "hi" }, "no-such-room");
    await expectError(outsider!, ERRORS.notInRoom.message);
    guest!.send("chat_message", { text: "   " }, roomId);
    await expectError(guest!, ERRORS.chatEmpty.message);
    guest!.send("chat_message", { text: "x".repeat(501) }, roomId);
    await expectError(guest!, ERRORS.chatTooLong.message);
  });
  await t.step("Invalid media_id: no room is created", async () => {
    outsider!.send("create_room", { media_id: "a/b" });
    await expectError(outsider!, ERRORS.invalidMediaId.message);
    assert.equal(test.server.registry.roomCount, 1);
  });
  await t.step("Invalid position, naming the field", async () => {
    host!.send("player_event", { action: "seek", position: -5 }, roomId);
    await expectError(host!, FIELD_MESSAGES.position);
    host!.send("state_update", { position: "soon", play_state: "playing" }, roomId);
    await expectError(host!, FIELD_MESSAGES.position);
  });
  await t.step("Server is full", async () => {
    other!.send("create_room", {});
    await other!.next("room_state");
    outsider!.send("create_room", {});
    await expectError(outsider!, ERRORS.serverFull.message);
    // A host starting a new room frees its old one, so it is never refused.
    other!.send("create_room", { name: "second" });
    assert.equal((await other!.next("room_state")).payload.name, "second");
  });
  await t.step("player_event with no room to act on", async () => {
    outsider!.send("player_event", { action: "play", position: 0 });
    await expectError(outsider!, ERRORS.roomNotFound.message);
  });
  await t.step("none of that disturbed the room", async () => {
    guest!.send("chat_message", { text: "still here" }, roomId);
    assert.equal((await host!.next("chat_message")).payload.text, "still here");
  });
});

Deno.test("malformed frames get 'Invalid message format' and the connection keeps working", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 1);
  const [client] = clients;
  const bad: (string | Uint8Array)[] = [
    "{not json",
    "",
    "[1,2,3]",
    "null",
    "42",
    JSON.stringify({ type: "list_rooms" }), // no ts
    JSON.stringify({ type: 7, ts: 1 }),
    JSON.stringify({ type: "list_rooms", ts: "yesterday" }),
    JSON.stringify({ type: "list_rooms", ts: 1, room: 5 }),
    new Uint8Array([0x7b, 0x7d]), // a binary frame, even of valid JSON
  ];
  for (const frame of bad) {
    client!.sendRaw(frame);
    await expectError(client!, ERRORS.invalidFormat.message);
  }
  client!.send("player_event", { action: "play", position: 1 }, "");
  await expectError(client!, ERRORS.roomNotFound.message);
  client!.send("list_rooms", undefined, "");
  assert.deepEqual((await client!.next("room_list")).payload, []);
  assert.deepEqual(await client!.drain(), []);
});
