/**
 * ROOM_CREATIONS_PER_MINUTE: a budget per client address, shared by its connections and kept
 * across reconnects. An over-budget create_room gets `room_creation_limited` and changes nothing.
 */
import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";
import { disposedTogether } from "../helpers/disposable.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

Deno.test("room creation budget: per address, shared, kept across reconnects, refilled over time", async () => {
  // 3 a minute: one more every 20 s. The proxy is trusted so a test client can be elsewhere.
  await using test = startTestServer({
    env: { ROOM_CREATIONS_PER_MINUTE: "3", TRUSTED_PROXIES: "127.0.0.1" },
  });
  const clock = manualClockOf(test);
  const { registry } = test.server;
  const host = await TestClient.connect(test.wsUrl);
  await using sibling = await TestClient.connect(test.wsUrl); // same address as the host
  await using elsewhere = await TestClient.connect(test.wsUrl, {
    "x-forwarded-for": "203.0.113.5",
  });
  await using later = disposedTogether<TestClient>();
  const createRoom = (client: TestClient, userName = "Host") => {
    client.send("create_room", { name: "Budget", user_name: userName });
    return client.nextWhere((m) => m.type === "room_state" || m.type === "error", "an answer");
  };
  let roomId = "";
  for (let i = 0; i < 3; i++) {
    const answer = await createRoom(host);
    assert.equal(answer.type, "room_state", `creation ${i + 1}`);
    roomId = answer.room!;
  }
  elsewhere.send("join_room", {}, roomId);
  await elsewhere.next("room_state");

  // The fourth: refused, nothing created or renamed, and the host keeps the room it hosts.
  const refused = await createRoom(host, "Mallory");
  assert.deepEqual(refused.type === "error" && refused.payload, {
    code: "room_creation_limited",
    message: ERRORS.roomCreationLimited.message,
  });
  assert.equal(registry.roomCount, 1);
  assert.equal(registry.roomOf(host.id), roomId);
  assert.equal(registry.get(roomId)!.memberCount, 2);
  assert.ok(!(await elsewhere.drain()).some((m) => m.type === "room_closed"));
  host.send("chat_message", { text: "still here" }, roomId);
  assert.equal((await elsewhere.next("chat_message")).payload.username, "Host");

  // Another connection of the same address shares the spent budget.
  assert.equal((await createRoom(sibling)).type, "error");

  // Reconnecting does not refill it.
  await host.close();
  await test.server.whenGone(host.id);
  const back = await TestClient.connect(test.wsUrl);
  later.push(back);
  assert.equal((await createRoom(back)).type, "error");

  // Another address has its own budget.
  assert.equal((await createRoom(elsewhere)).type, "room_state");

  // Time refills it: one creation per 20 s.
  clock.advance(19_999);
  assert.equal((await createRoom(back)).type, "error");
  clock.advance(1);
  assert.equal((await createRoom(back)).type, "room_state");
  assert.equal((await createRoom(sibling)).type, "error");
  assert.equal(test.server.metrics.errorsSent.get("room_creation_limited"), 5);
});
