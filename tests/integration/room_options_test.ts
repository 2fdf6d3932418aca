/**
 * Room options after creation (set_room_options) over real sockets: lock with a password (a new
 * joiner needs it) and unlock, unlisted (out of everyone's room_list, joinable by id), keep-open
 * (the host's leaving hands over), and a member's request refused before anything is hashed.
 */
import assert from "node:assert/strict";
import { ERRORS, FIELD_MESSAGES, SERVER_MESSAGE_SCHEMAS } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

Deno.test("set_room_options: lock, a new joiner needs the password; unlock, it does not", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 4);
  const [host, member, late, later] = clients;
  const roomId = await makeRoom(host!, [member!]);
  host!.send("set_room_options", { locked: true, password: "popcorn" }, roomId);
  for (const client of [host!, member!]) {
    const state = await client.nextOf("room_state", (m) => m.payload.locked, "locked");
    SERVER_MESSAGE_SCHEMAS.room_state.parse(state);
    assert.equal(state.payload.unlisted, false);
  }
  await late!.drain();
  late!.send("list_rooms", {});
  const listed = await late!.nextOf("room_list", (m) => m.payload.length > 0, "the list");
  assert.equal(listed.payload[0]!.locked, true);
  late!.send("join_room", {}, roomId);
  assert.equal((await late!.next("error")).payload.message, ERRORS.passwordRequired.message);
  late!.send("join_room", { password: "butter" }, roomId);
  assert.equal((await late!.next("error")).payload.message, ERRORS.wrongPassword.message);
  late!.send("join_room", { password: "popcorn" }, roomId);
  assert.equal((await late!.next("room_state")).payload.locked, true);
  host!.send("set_room_options", { locked: false }, roomId);
  assert.equal(
    (await member!.nextOf("room_state", (m) => !m.payload.locked, "unlocked")).payload.locked,
    false,
  );
  later!.send("join_room", {}, roomId);
  assert.equal((await later!.next("room_state")).payload.locked, false);
});

Deno.test("set_room_options: unlisted leaves everyone's room_list; joining by id still works", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, watcher, joiner] = clients;
  host!.send("create_room", { name: "Secret screening" });
  const roomId = (await host!.next("room_state")).room!;
  await watcher!.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  clock.advance(1_000);
  host!.send("set_room_options", { unlisted: true }, roomId);
  assert.equal((await host!.next("room_state")).payload.unlisted, true);
  // The lobby's push drops it, and so does an explicit list_rooms, paged or not.
  await watcher!.nextOf("room_list", (m) => m.payload.length === 0, "the push without it");
  watcher!.send("list_rooms", {});
  assert.deepEqual((await watcher!.next("room_list")).payload, []);
  watcher!.send("list_rooms", { name: "secret" });
  const page = await watcher!.next("room_list");
  assert.equal(page.total, 0);
  joiner!.send("join_room", { user_name: "Link holder" }, roomId);
  const state = await joiner!.next("room_state");
  assert.equal(state.room, roomId);
  assert.equal(state.payload.unlisted, true);
  clock.advance(1_000);
  watcher!.send("list_rooms", {});
  assert.deepEqual((await watcher!.next("room_list")).payload, [], "its new count stays out");
  host!.send("set_room_options", { unlisted: false }, roomId);
  await watcher!.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "back");
});

Deno.test("create_room with unlisted: never in the list, joinable by id", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, other] = clients;
  host!.send("create_room", { name: "Hidden", unlisted: true });
  const roomId = (await host!.next("room_state")).room!;
  other!.send("list_rooms", {});
  assert.deepEqual((await other!.next("room_list")).payload, []);
  other!.send("join_room", {}, roomId);
  assert.equal((await other!.next("room_state")).payload.unlisted, true);
});

Deno.test("set_room_options: keep-open turned on: the host leaving hands the room over", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, member] = clients;
  const roomId = await makeRoom(host!, [member!]);
  host!.send("set_room_options", { handoff: true }, roomId);
  assert.equal(
    (await member!.nextOf("room_state", (m) => m.payload.handoff, "keep-open")).payload.handoff,
    true,
  );
  host!.send("leave_room", {}, roomId);
  const changed = await member!.next("host_changed");
  assert.equal(changed.payload.host_id, member!.id);
  assert.equal(changed.payload.reason, "host_left");
  const state = await member!.next("room_state");
  assert.equal(state.payload.host_id, member!.id);
  assert.equal(state.payload.handoff, true);
});

Deno.test("set_room_options: a member is refused (not_host), bad payloads name the problem", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, member] = clients;
  const roomId = await makeRoom(host!, [member!]);
  member!.send("set_room_options", { locked: true, password: "mine now" }, roomId);
  const refusal = await member!.next("error");
  assert.deepEqual(refusal.payload, ERRORS.notHostSettings);
  assert.equal(refusal.room, roomId);
  member!.send("set_room_options", { unlisted: true }, roomId);
  assert.equal((await member!.next("error")).payload.code, "not_host");
  host!.send("set_room_options", { locked: true }, roomId);
  assert.equal((await host!.next("error")).payload.message, FIELD_MESSAGES.lockNeedsPassword);
  host!.send("set_room_options", {}, roomId);
  assert.equal((await host!.next("error")).payload.message, FIELD_MESSAGES.noRoomOptions);
  // Nothing changed: the room is open, listed, and closes when its host leaves.
  member!.send("join_room", {}, roomId);
  const state = await member!.next("room_state");
  assert.deepEqual([state.payload.locked, state.payload.unlisted, state.payload.handoff], [
    false,
    false,
    false,
  ]);
  const outsider = (await connectClients(test, 1))[0]!;
  outsider.send("set_room_options", { handoff: true }, "no-such-room");
  assert.equal((await outsider.next("error")).payload.code, "room_not_found");
  await outsider.close();
});

Deno.test("a joiner that closes while its password is checked does not join: no ghost in the room", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 3);
  const [host, quitter, guest] = clients;
  const roomId = await makeRoom(host!, []);
  host!.send("set_room_options", { locked: true, password: "popcorn" }, roomId);
  await host!.nextOf("room_state", (m) => m.payload.locked, "locked");
  // The check is slow on purpose: the quitter's socket is gone before it ends.
  quitter!.send("join_room", { password: "popcorn" }, roomId);
  await quitter!.close();
  // The guest's check starts after the quitter's and costs the same: once the guest is in,
  // the quitter's check is over too.
  guest!.send("join_room", { password: "popcorn" }, roomId);
  const state = await guest!.next("room_state");
  assert.deepEqual(
    state.payload.participants.map((p) => p.id).sort(),
    [host!.id, guest!.id].sort(),
  );
  const update = await host!.nextOf("participants_update", (m) => m.client === guest!.id, "guest");
  assert.equal(update.payload.participant_count, 2);
});
