import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const T = DEFAULT_TIMINGS;

Deno.test("three members, one drops abruptly while a play is pending: away, it holds nothing back; the play fires for the rest", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 2);
  const [host, ready] = clients;
  const port = Number(new URL(test.httpUrl).port);
  using dropper = await RawWebSocket.connect(port);
  const roomId = await makeRoom(host!, [ready!]);
  await dropper.sendJson({ type: "join_room", room: roomId, payload: {}, ts: Date.now() });
  assert.ok(await dropper.readMessage("room_state"));
  ready!.send("ready", {}, roomId);
  await ready!.barrier();

  host!.send("player_event", { action: "play", position: 42 }, roomId);
  await host!.barrier();
  assert.equal(host!.pendingTypes().filter((t) => t === "player_event").length, 0);

  clock.advance(500);
  dropper.abort(); // no close frame: the server sees the TCP connection end
  // Away, it can no longer say it is ready: it does not hold the play back.
  const away = await host!.nextOf(
    "participants_update",
    (m) => m.payload.participants.some((p) => p.away),
    "the dropped member away",
  );
  assert.equal(away.payload.participant_count, 3);
  for (const client of [host!, ready!]) {
    const play = await client.next("player_event");
    assert.equal(play.payload.action, "play");
    // The host has played since its command arrived, 0.5 s before the play fired.
    assert.equal(play.payload.position_at_target, 42 + 0.5 + T.playScheduleMs / 1000);
    assert.equal(play.payload.target_server_ts, clock.now() + T.playScheduleMs);
  }
  // The ready-wait timer was cancelled with the play: advancing past it sends nothing more.
  clock.advance(T.maxReadyWaitMs);
  const rest = await host!.drain();
  assert.deepEqual(rest.filter((m) => m.type === "player_event"), []);
});

Deno.test("two rooms in parallel never see each other's messages", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 4);
  const [hostA, guestA, hostB, guestB] = clients;
  const roomA = await makeRoom(hostA!, [guestA!], "A");
  const roomB = await makeRoom(hostB!, [guestB!], "B");
  for (
    const [host, guest, room] of [[hostA!, guestA!, roomA], [hostB!, guestB!, roomB]] as const
  ) {
    guest.send("ready", {}, room);
    host.send("player_event", { action: "play", position: 1 }, room);
    guest.send("chat_message", { text: `hello ${room}` }, room);
    await guest.barrier();
    await host.barrier();
  }
  clock.advance(T.commandCooldownMs);
  hostA!.send("state_update", { position: 9, play_state: "playing" }, roomA);
  hostB!.send("player_event", { action: "pause", position: 3 }, roomB);
  await guestA!.next("state_update");
  await guestB!.next("player_event");
  for (
    const [client, own] of [[hostA!, roomA], [guestA!, roomA], [hostB!, roomB], [
      guestB!,
      roomB,
    ]] as const
  ) {
    await client.drain();
    const roomScoped = client.received.filter((m) => m.room && m.type !== "pong");
    assert.ok(roomScoped.length >= 3);
    for (const message of roomScoped) assert.equal(message.room, own, JSON.stringify(message));
    for (const chat of client.received.filter((m) => m.type === "chat_message")) {
      assert.equal((chat.payload as { text: string }).text, `hello ${own}`);
    }
  }
});

Deno.test("switching rooms: joining another room leaves the first; creating one leaves too", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 3);
  const [hostA, hostB, mover] = clients;
  const roomA = await makeRoom(hostA!, [mover!], "A");
  const roomB = await makeRoom(hostB!, [], "B");
  mover!.send("join_room", {}, roomB);
  assert.equal((await mover!.next("room_state")).room, roomB);
  assert.equal((await hostA!.next("client_left")).client, mover!.id);
  assert.equal((await hostB!.next("participants_update")).payload.participant_count, 2);
  // A host creating a new room closes its old one for the others.
  hostB!.send("create_room", { name: "B2" });
  const closed = await mover!.next("room_closed");
  assert.equal(closed.room, roomB);
  assert.equal(closed.payload.reason, "Host started a new room");
  assert.equal(test.server.registry.get(roomA)!.memberCount, 1);
});
