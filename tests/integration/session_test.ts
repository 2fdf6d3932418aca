import assert from "node:assert/strict";
import { DEFAULT_TIMINGS, ROOM_LIST_COALESCE_MS } from "../../protocol/mod.ts";
import { RESUME_GRACE_MS } from "../../protocol/mod.ts";
import { connectClients, typesOf } from "../helpers/session.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const T = DEFAULT_TIMINGS;

Deno.test("the seed's whole session, with the exact messages and order each client sees", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using host = await TestClient.connect(test.wsUrl);
  await using guest = await TestClient.connect(test.wsUrl);
  assert.deepEqual((await host.next("room_list")).payload, []);
  await guest.next("room_list");

  host.send("create_room", {
    name: "Movie night",
    media_id: "abc123",
    start_pos: 0,
    user_name: "Hana",
  });
  const created = await host.next("room_state");
  const roomId = created.room!;
  assert.deepEqual(created.payload, {
    name: "Movie night",
    host_id: host.id,
    participant_count: 1,
    media_id: "abc123",
    state: { position: 0, play_state: "paused" },
    media_url: null,
    participants: [{
      id: host.id,
      name: "Hana",
      is_host: true,
      is_cohost: false,
      ready: true,
      readiness: "ready",
      away: false,
      rtt_ms: null,
      away_until: null,
    }],
    control: "host",
    playback_rate: 1,
    locked: false,
    handoff: false,
    unlisted: false,
    media_title: null,
    media_item_id: "0",
    queue: [],
  });
  // The list is pushed to the lobby only: the guest, not the host who is in the room now.
  const listed = [{
    id: roomId,
    name: "Movie night",
    count: 1,
    media_id: "abc123",
    locked: false,
  }];
  assert.deepEqual((await guest.next("room_list")).payload, listed);

  guest.send("join_room", { user_name: "Gus" }, roomId);
  const joined = await guest.next("room_state");
  assert.equal(joined.payload.participant_count, 2);
  assert.equal(joined.payload.host_id, host.id);
  const update = await host.next("participants_update");
  assert.equal(update.payload.participant_count, 2);
  // The join changes the list, but nobody is in the lobby to be told.
  await host.barrier();
  clock.advance(ROOM_LIST_COALESCE_MS);

  guest.send("ready", { media_id: "abc123" }, roomId);
  // Readiness is presence: everyone in the room sees the guest ready.
  for (const client of [host, guest]) {
    const ready = await client.next("participants_update");
    assert.deepEqual(ready.payload.participants.map((p) => p.ready), [true, true]);
  }
  host.send("player_event", { action: "play", position: 0 }, roomId);
  const target = clock.now() + T.playScheduleMs;
  for (const client of [host, guest]) {
    const play = await client.next("player_event");
    assert.deepEqual(play.payload, {
      action: "play",
      position: 1.2,
      play_state: "playing",
      target_server_ts: target,
      position_at_target: 1.5,
    });
    assert.equal(play.server_ts, target - T.legacyClientLeadMs);
    assert.equal(play.client, host.id);
  }

  clock.advance(T.commandCooldownMs);
  host.send("state_update", { position: 2.5, play_state: "playing" }, roomId);
  const relayed = await guest.next("state_update");
  assert.deepEqual(relayed.payload, { position: 2.5, play_state: "playing" });
  assert.equal(relayed.server_ts, clock.now());

  guest.send("ping", { client_ts: 1234 }, roomId);
  const pong = await guest.next("pong");
  assert.deepEqual(pong.payload, { client_ts: 1234 });
  assert.equal(pong.room, roomId);
  assert.equal(pong.client, guest.id);
  assert.equal(pong.server_ts, clock.now());

  host.send("leave_room", {}, roomId);
  const closed = await guest.next("room_closed");
  assert.equal(closed.room, roomId);
  assert.equal(closed.payload.reason, "Host left the room");
  assert.equal(closed.payload.code, "host_left");
  assert.deepEqual((await guest.next("room_list")).payload, []);
  assert.deepEqual((await host.next("room_list")).payload, []);

  assert.deepEqual(await host.drain(), []);
  assert.deepEqual(await guest.drain(), []);
  assert.deepEqual(typesOf(host), [
    "client_hello",
    "room_list",
    "room_state",
    "participants_update",
    "participants_update",
    "player_event",
    "room_list",
  ]);
  assert.deepEqual(typesOf(guest), [
    "client_hello",
    "room_list",
    "room_list",
    "room_state",
    "participants_update",
    "player_event",
    "state_update",
    "pong",
    "room_closed",
    "room_list",
  ]);
});

Deno.test("RESUME_GRACE_MS=0: disconnecting runs leave_room at once (the upstream behaviour)", async () => {
  await using test = startTestServer({ env: { RESUME_GRACE_MS: "0" } });
  await using clients = await connectClients(test, 3);
  const [host, a, b] = clients;
  host!.send("create_room", {});
  const roomId = (await host!.next("room_state")).room!;
  for (const guest of [a!, b!]) {
    guest.send("join_room", {}, roomId);
    await guest.next("room_state");
  }
  await a!.close();
  const left = await host!.next("client_left");
  assert.equal(left.client, a!.id);
  assert.equal(left.payload.participant_count, 2);
  await host!.close();
  assert.equal((await b!.next("room_closed")).payload.code, "host_left");
  assert.equal(test.server.registry.roomCount, 0);
});

Deno.test("/health answers with status and auth flag", async () => {
  await using test = startTestServer();
  const response = await fetch(`${test.httpUrl}/health`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.status, "ok");
  assert.equal(body.auth_enabled, false);
});

Deno.test("disconnecting: away for the resume grace, then gone; a host that never returns hands the room over", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, a, b] = clients;
  host!.send("create_room", {});
  const roomId = (await host!.next("room_state")).room!;
  for (const guest of [a!, b!]) {
    guest.send("join_room", {}, roomId);
    await guest.next("room_state");
  }
  await host!.drain();
  await b!.drain();
  await a!.close();
  await test.server.whenGone(a!.id);
  const away = await host!.next("participants_update");
  assert.deepEqual(away.payload.participants.map((p) => p.away), [false, true, false]);
  assert.equal(away.payload.participant_count, 3);
  clock.advance(RESUME_GRACE_MS - 1);
  assert.ok(!(await host!.drain()).some((m) => m.type === "client_left"));
  clock.advance(1);
  assert.equal((await host!.next("client_left")).client, a!.id);

  await host!.close();
  await test.server.whenGone(host!.id);
  await b!.nextOf("participants_update", (m) => m.client === host!.id, "the host away");
  clock.advance(RESUME_GRACE_MS);
  const changed = await b!.next("host_changed");
  assert.deepEqual(changed.payload, {
    host_id: b!.id,
    previous_host_id: host!.id,
    reason: "host_timeout",
  });
  // A fresh room_state is how the upstream client learns who hosts now.
  assert.equal((await b!.next("room_state")).payload.host_id, b!.id);
  await b!.nextOf("client_left", (m) => m.client === host!.id, "host left");
  assert.ok(!b!.received.some((m) => m.type === "room_closed"));
  assert.equal(test.server.registry.get(roomId)!.hostId, b!.id);
});
