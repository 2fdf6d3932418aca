/**
 * The additive extensions the watch page and the sync client use, over real sockets: a room's
 * media URL, participants with names, state updates anchored by `at_server_ts`, and
 * `sync_report` into the sync-quality histograms.
 */
import assert from "node:assert/strict";
import { FIELD_MESSAGES } from "../../protocol/mod.ts";
import { participantEntry } from "../helpers/expected.ts";
import { connectClients } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const MEDIA = "https://media.example/films/night.m3u8";

Deno.test("media_url: kept with the room and sent to everyone who joins; anything but a web URL refused", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  for (
    const bad of [
      "javascript:alert(1)",
      "ftp://x/y",
      "not a url",
      `https://x/${"a".repeat(2_050)}`,
      7,
    ]
  ) {
    host!.send("create_room", { name: "Film", media_url: bad });
    const error = await host!.next("error");
    assert.equal(error.payload.message, FIELD_MESSAGES.mediaUrl);
  }
  assert.equal(test.server.registry.roomCount, 0);
  host!.send("create_room", { name: "Film", media_url: MEDIA, user_name: "Hana" });
  const created = await host!.next("room_state");
  assert.equal(created.payload.media_url, MEDIA);
  guest!.send("join_room", { user_name: "Alice" }, created.room);
  const joined = await guest!.next("room_state");
  assert.equal(joined.payload.media_url, MEDIA);
});

Deno.test("participants: names, host and readiness in room_state, participants_update and client_left", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 3);
  const [host, a, b] = clients;
  host!.send("create_room", { name: "Film", user_name: "Hana" });
  const roomId = (await host!.next("room_state")).room!;
  a!.send("join_room", { user_name: "Alice" }, roomId);
  await a!.next("room_state");
  a!.send("ready", {}, roomId);
  await a!.barrier();
  b!.send("join_room", { user_name: "Bob" }, roomId);
  const state = await b!.next("room_state");
  assert.deepEqual(state.payload.participants, [
    participantEntry(host!.id, "Hana", { host: true }),
    participantEntry(a!.id, "Alice", { ready: true }),
    participantEntry(b!.id, "Bob", { ready: false }),
  ]);
  // Alice joining, Alice ready (readiness is presence too), then Bob joining.
  const updates = [
    await host!.next("participants_update"),
    await host!.next("participants_update"),
    await host!.next("participants_update"),
  ];
  assert.deepEqual(updates.map((u) => u.client), [a!.id, a!.id, b!.id]);
  assert.deepEqual(updates[1]!.payload.participants.map((p) => p.ready), [true, true]);
  assert.deepEqual(updates[2]!.payload.participants, state.payload.participants);
  a!.send("leave_room", {}, roomId);
  const left = await host!.next("client_left");
  assert.deepEqual(left.payload.participants.map((p) => p.name), ["Hana", "Bob"]);
  assert.equal(left.payload.participant_count, 2);
});

Deno.test("state_update at_server_ts: the timeline is anchored there and the relay reads it now", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  host!.send("create_room", { name: "Film" });
  const roomId = (await host!.next("room_state")).room!;
  guest!.send("join_room", {}, roomId);
  await guest!.next("room_state");
  clock.advance(5_000);
  // The host's player was at 100 s playing, 80 ms before the update arrives.
  host!.send("state_update", {
    position: 100,
    play_state: "playing",
    at_server_ts: clock.now() - 80,
  }, roomId);
  const relayed = await guest!.next("state_update");
  assert.equal(relayed.server_ts, clock.now());
  assert.deepEqual(relayed.payload, { position: 100.08, play_state: "playing" });
});

Deno.test("sync_report: from members into /metrics; from others an error; its own silent budget", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, guest, outsider] = clients;
  host!.send("create_room", { name: "Film" });
  const roomId = (await host!.next("room_state")).room!;
  guest!.send("join_room", {}, roomId);
  await guest!.next("room_state");
  await guest!.drain(); // the list pushed while the guest was in the lobby
  clock.advance(1_000);
  guest!.send(
    "sync_report",
    { drift_ms: -12.5, offset_ms: 3, uncertainty_ms: 2, rate: 1 },
    roomId,
  );
  guest!.send("sync_report", { drift_ms: 150 }, roomId);
  outsider!.send("sync_report", { drift_ms: 1 });
  assert.equal((await outsider!.next("error")).payload.code, "not_in_room");
  guest!.send("sync_report", { drift_ms: "far" }, roomId);
  assert.equal((await guest!.next("error")).payload.message, FIELD_MESSAGES.driftMs);
  // 3 sent in this window so far; 5 is the budget: the 6th and 7th are dropped silently.
  for (let i = 0; i < 4; i++) guest!.send("sync_report", { drift_ms: 1 }, roomId);
  assert.deepEqual((await guest!.drain()).map((m) => m.type), []);
  const drift = test.server.metrics.syncDrift;
  assert.equal(drift.count, 4); // two above, then two of the four within the budget
  assert.equal(test.server.metrics.clockUncertainty.count, 1);
  const metrics = await (await fetch(`${test.httpUrl}/metrics`)).text();
  assert.match(metrics, /owp_sync_drift_seconds_bucket\{le="0.02"\} 3\n/);
  assert.match(metrics, /owp_sync_drift_seconds_bucket\{le="0.16"\} 4\n/);
});
