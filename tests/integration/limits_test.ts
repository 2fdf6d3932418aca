import assert from "node:assert/strict";
import {
  ERRORS,
  MAX_FRAME_BYTES,
  RATE_LIMIT_FLOOD_CLOSE_MS,
  RATE_LIMIT_PER_SECOND,
  RESUME_GRACE_MS,
} from "../../protocol/mod.ts";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

Deno.test("rate limit: excess dropped with one error per window; the room and others carry on", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, flooder, bystander] = clients;
  const roomId = await makeRoom(host!, [flooder!, bystander!]);
  await host!.barrier(); // flush the join's participants_update before counting
  flooder!.received.length = 0;
  clock.advance(1_000); // a fresh window: the join above counted in the last one
  // 40 pings in one window (the manual clock does not move): 30 answered, 10 dropped.
  for (let i = 0; i < 40; i++) flooder!.send("ping", { client_ts: i }, roomId);
  const error = await flooder!.next("error");
  assert.equal(error.payload.message, ERRORS.rateLimited.message);
  assert.equal(error.payload.code, "rate_limited");
  // The bystander's traffic is untouched, and the room still works for everyone.
  bystander!.send("chat_message", { text: "can you hear me" }, roomId);
  assert.equal((await host!.next("chat_message")).payload.text, "can you hear me");
  assert.equal((await flooder!.next("chat_message")).payload.text, "can you hear me");
  const pongs = flooder!.received.filter((m) => m.type === "pong").length;
  const errors = flooder!.received.filter((m) => m.type === "error").length;
  assert.equal(pongs, RATE_LIMIT_PER_SECOND);
  assert.equal(errors, 1);
  assert.equal(test.server.metrics.rateLimited.get(), 10);
  // A new window restores the budget.
  clock.advance(1_000);
  await flooder!.barrier();
  assert.equal(test.server.registry.get(roomId)!.memberCount, 3);
});

Deno.test("client_log has its own silent budget: a 100-line flush does not block auth", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 1);
  const [client] = clients;
  for (let i = 0; i < 100; i++) {
    client!.send("client_log", { category: "sync", message: `line ${i}` });
  }
  client!.send("auth", { user_name: "After Flush" });
  assert.equal((await client!.next("auth_success")).payload.user_name, "After Flush");
  assert.deepEqual((await client!.drain()).filter((m) => m.type === "error"), []);
});

Deno.test("a connection that floods for 10 s is closed with 1008", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 2);
  const [flooder, other] = clients;
  // Exactly one frame over budget per window: its error proves the window was handled.
  const windows = RATE_LIMIT_FLOOD_CLOSE_MS / 1_000;
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i <= RATE_LIMIT_PER_SECOND; i++) flooder!.send("ping", {});
    await flooder!.next("error");
    clock.advance(1_000);
  }
  for (let i = 0; i <= RATE_LIMIT_PER_SECOND; i++) flooder!.send("ping", {});
  assert.equal((await flooder!.closedEvent).code, 1008);
  await other!.barrier();
});

Deno.test("frame size: over MAX_FRAME_BYTES (counted in UTF-8 bytes) gets 'Message too large'", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  const roomId = await makeRoom(host!, [guest!]);
  const envelope = (pad: string) =>
    JSON.stringify({ type: "ping", room: "", payload: { pad }, ts: 1 });
  const overhead = envelope("").length;
  // Exactly at the limit: accepted.
  host!.sendRaw(envelope("x".repeat(MAX_FRAME_BYTES - overhead)));
  assert.equal((await host!.next("pong")).type, "pong");
  // One byte over: refused, connection kept.
  host!.sendRaw(envelope("x".repeat(MAX_FRAME_BYTES - overhead + 1)));
  assert.equal((await host!.next("error")).payload.message, ERRORS.tooLarge.message);
  // Few characters but many bytes: 30,000 "é" are 60,000 bytes, plus 3-byte "€".
  host!.sendRaw(envelope("é".repeat(30_000) + "€".repeat(2_000)));
  assert.equal((await host!.next("error")).payload.message, ERRORS.tooLarge.message);
  // A megabyte: same answer, same connection.
  host!.sendRaw(envelope("y".repeat(1_048_576)));
  assert.equal((await host!.next("error")).payload.message, ERRORS.tooLarge.message);
  host!.send("chat_message", { text: "still the host" }, roomId);
  assert.equal((await guest!.next("chat_message")).payload.text, "still the host");
});

Deno.test("a slow consumer is closed with 1013 and, never back, leaves; the rest of the room continues", async () => {
  // A low MAX_BUFFERED_BYTES; the kernel's socket buffers still absorb a few MB first.
  await using test = startTestServer({
    env: { MAX_BUFFERED_BYTES: "262144", RATE_LIMIT_PER_SECOND: "100000" },
  });
  await using clients = await connectClients(test, 2);
  const [host, reader] = clients;
  using stalled = await RawWebSocket.connect(test.port);
  const roomId = await makeRoom(host!, [reader!]);
  await stalled.sendJson({ type: "join_room", room: roomId, payload: {}, ts: 1 });
  await host!.next("participants_update");
  // From here on `stalled` reads nothing. Each chat is ~2 KB on the wire (500 emoji).
  const text = "🎬".repeat(500);
  let sent = 0;
  // Its connection closed: the member is away (it could resume), and the room goes on.
  const left = host!.nextOf(
    "participants_update",
    (m) => m.payload.participants.some((p) => p.away),
    "the slow member away",
    30_000,
  );
  let gone = false;
  left.then(() => (gone = true), () => {});
  while (!gone && sent < 20_000) {
    for (let i = 0; i < 100; i++) host!.send("chat_message", { text }, roomId);
    sent += 100;
    await reader!.nextWhere(
      (m) => m.type === "chat_message",
      "a chat",
    ); // keep the reader reading
    await host!.barrier();
  }
  await left;
  assert.equal(test.server.metrics.connectionsClosed.get("1013"), 1);
  // It never comes back: after the resume grace it leaves.
  manualClockOf(test).advance(RESUME_GRACE_MS);
  const leftForGood = await host!.next("client_left");
  assert.equal(leftForGood.payload.participant_count, 2);
  // The reader still gets the room's traffic after the slow one is gone.
  host!.send("chat_message", { text: "after" }, roomId);
  await reader!.nextOf(
    "chat_message",
    (m) => (m.payload as { text: string }).text === "after",
    "the chat after",
  );
});

Deno.test("a silent connection (no frame, no pong) is closed after the idle timeout and, never back, leaves", async () => {
  // The idle timer is the runtime's own (it sends the pings), so this one runs on real time.
  await using test = startTestServer({ env: { IDLE_TIMEOUT_MS: "2000" } });
  await using clients = await connectClients(test, 1);
  const [host] = clients;
  using silent = await RawWebSocket.connect(test.port);
  const roomId = await makeRoom(host!, []);
  await silent.sendJson({ type: "join_room", room: roomId, payload: {}, ts: 1 });
  await host!.next("participants_update");
  let sawPing = false;
  let closeCode = 0;
  for (let frame = await silent.readFrame(); frame; frame = await silent.readFrame()) {
    if (frame.opcode === 0x9) sawPing = true; // never answered
    if (frame.opcode === 0x8) closeCode = (frame.payload[0]! << 8) | frame.payload[1]!;
  }
  assert.ok(sawPing, "the server never pinged");
  assert.equal(closeCode, 1001, "the runtime's idle close code (see docs/deployment.md)");
  await host!.nextOf(
    "participants_update",
    (m) => m.payload.participants.some((p) => p.away),
    "the silent member away",
    10_000,
  );
  manualClockOf(test).advance(RESUME_GRACE_MS);
  assert.equal((await host!.next("client_left")).payload.participant_count, 1);
});
