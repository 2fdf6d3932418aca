import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";
import { AUDIENCE, claims, ISSUER, SECRET, signHs256 } from "../helpers/tokens.ts";

const AUTH_ENV = { JWT_SECRET: SECRET, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER };

Deno.test("auth on: only auth and ping before authenticating; room_list comes after auth_success", async () => {
  await using test = startTestServer({ env: AUTH_ENV });
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  client.send("list_rooms");
  assert.equal((await client.next("error")).payload.message, ERRORS.authRequired.message);
  client.send("create_room", { name: "sneaky" });
  assert.equal((await client.next("error")).payload.message, ERRORS.authRequired.message);
  client.send("ping", { client_ts: 1 });
  await client.next("pong");
  assert.equal(test.server.registry.roomCount, 0);
  // client_log is never answered, not even before auth: the upstream client flushes up to
  // 100 buffered lines right before its auth.
  for (let i = 0; i < 20; i++) client.send("client_log", { category: "x", message: `line ${i}` });
  assert.deepEqual((await client.drain()).map((m) => m.type), []);

  client.send("auth", { token: signHs256(claims(clock.now())) });
  assert.equal((await client.next("auth_success")).payload.user_name, "Alice");
  await client.next("room_list");
  assert.deepEqual(client.received.map((m) => m.type).slice(0, 1), ["client_hello"]);
  assert.ok(!client.received.slice(0, -2).some((m) => m.type === "room_list"));
});

Deno.test("auth on: frames sent right behind auth wait for the token check, in order", async () => {
  await using test = startTestServer({ env: AUTH_ENV });
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  // No waiting between the three: the upstream client does the same on reconnect.
  client.send("auth", { token: signHs256(claims(clock.now())) });
  client.send("create_room", { user_name: "Mallory" });
  client.send("chat_message", { text: "first!" }, "");
  await client.next("auth_success");
  const state = await client.next("room_state");
  // With auth on, a user_name in a payload never overrides the token's name.
  assert.equal(state.payload.name, "Alice's room");
  assert.equal((await client.next("error")).payload.message, ERRORS.chatRoomRequired.message);
  const order = client.received.map((m) => m.type).filter((t) => t !== "room_list");
  assert.deepEqual(order, ["client_hello", "auth_success", "room_state", "error"]);
});

Deno.test("auth on: a bad token fails and changes nothing; re-auth updates the identity in place", async () => {
  await using test = startTestServer({ env: AUTH_ENV });
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  client.send("auth", { token: "garbage" });
  assert.equal((await client.next("error")).payload.message, ERRORS.authFailed.message);
  client.send("auth", {});
  assert.equal((await client.next("error")).payload.message, ERRORS.authFailed.message);
  client.send("list_rooms");
  assert.equal((await client.next("error")).payload.message, ERRORS.authRequired.message);

  client.send("auth", { token: signHs256(claims(clock.now())) });
  await client.next("auth_success");
  client.send("create_room", {});
  const roomId = (await client.next("room_state")).room!;
  client.send("auth", { token: signHs256(claims(clock.now(), { name: "Alice B." })) });
  assert.equal((await client.next("auth_success")).payload.user_name, "Alice B.");
  // The room hears of the new name through a join to it: the member gets room_state again.
  const renamed = await client.next("room_state");
  assert.deepEqual(renamed.payload.participants!.map((p) => p.name), ["Alice B."]);
  client.send("chat_message", { text: "renamed" }, roomId);
  assert.equal((await client.next("chat_message")).payload.username, "Alice B.");
  // A failed refresh keeps the session and the identity it had.
  client.send("auth", {
    token: signHs256(claims(clock.now()), "wrong-secret-wrong-secret-wrong!!"),
  });
  await client.next("error");
  client.send("chat_message", { text: "still" }, roomId);
  assert.equal((await client.next("chat_message")).payload.username, "Alice B.");
});

Deno.test("auth on: no valid auth within AUTH_TIMEOUT_MS closes the socket with 4001", async () => {
  await using test = startTestServer({ env: { ...AUTH_ENV, AUTH_TIMEOUT_MS: "10000" } });
  const clock = manualClockOf(test);
  await using slow = await TestClient.connect(test.wsUrl);
  await using prompt = await TestClient.connect(test.wsUrl);
  prompt.send("auth", { token: signHs256(claims(clock.now())) });
  await prompt.next("auth_success");
  clock.advance(9_999);
  await slow.barrier();
  assert.equal(slow.readyState, WebSocket.OPEN);
  clock.advance(1);
  const closed = await slow.closedEvent;
  assert.equal(closed.code, 4001);
  // The authenticated one is not affected.
  await prompt.barrier();
  assert.equal(prompt.readyState, WebSocket.OPEN);
});

Deno.test("auth off: user_name from auth, create_room and join_room sets the display name", async () => {
  await using test = startTestServer();
  await using host = await TestClient.connect(test.wsUrl);
  await using guest = await TestClient.connect(test.wsUrl);
  host.send("auth", { user_name: "  Hana\u0000 ", user_id: "u-1" });
  assert.equal((await host.next("auth_success")).payload.user_name, "Hana");
  host.send("create_room", {});
  const roomId = (await host.next("room_state")).room!;
  assert.equal(test.server.registry.get(roomId)!.summary().name, "Hana's room");
  guest.send("join_room", { user_name: "Gus" }, roomId);
  await guest.next("room_state");
  guest.send("chat_message", { text: "hi" }, roomId);
  assert.equal((await host.next("chat_message")).payload.username, "Gus");
  host.send("create_room", { user_name: "Hana 2" });
  assert.equal((await host.next("room_state")).payload.name, "Hana 2's room");
});
