/**
 * A member's name in a room is the room's to change: a join refused elsewhere leaves it as it
 * was, and a rename (a join to the room it is in, with a new name) is told to everyone.
 */
import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { startTestServer } from "../helpers/test_server.ts";

Deno.test("a join refused by a full room B does not rename its member in room A", async () => {
  await using test = startTestServer({ env: { MAX_CLIENTS_PER_ROOM: "2" } });
  await using clients = await connectClients(test, 4);
  const [ann, bob, cat, dan] = clients;
  const roomA = await makeRoom(ann!, [bob!], "A"); // Host, Guest
  const roomB = await makeRoom(cat!, [dan!], "B"); // full
  await ann!.drain(); // Guest's arrival
  bob!.send("join_room", { user_name: "Robert" }, roomB);
  const refused = await bob!.next("error");
  assert.equal(refused.payload.message, ERRORS.roomFull.message);

  // Room A heard nothing, and its state still says Guest: ask it for room_state again.
  assert.deepEqual((await ann!.drain()).map((m) => m.type), []);
  ann!.send("join_room", {}, roomA);
  const state = await ann!.next("room_state");
  const names = state.payload.participants!.map((p) => p.name);
  assert.deepEqual(names, ["Host", "Guest"]);
  // Chat from Bob in room A carries the room's name for him.
  bob!.send("chat_message", { text: "still here" }, roomA);
  assert.equal((await ann!.next("chat_message")).payload.username, "Guest");
});

Deno.test("a join to the room one is in with a new name renames, and everyone hears it", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [ann, bob] = clients;
  const room = await makeRoom(ann!, [bob!]);
  await ann!.drain(); // Guest's arrival
  bob!.send("join_room", { user_name: "Robert" }, room);
  const own = await bob!.next("room_state");
  assert.deepEqual(own.payload.participants!.map((p) => p.name), ["Host", "Robert"]);
  const told = await ann!.next("participants_update");
  assert.deepEqual(told.payload.participants.map((p) => p.name), ["Host", "Robert"]);
  // The same name again changes nothing: no broadcast.
  bob!.send("join_room", { user_name: "Robert" }, room);
  await bob!.next("room_state");
  assert.deepEqual((await ann!.drain()).map((m) => m.type), []);
});
