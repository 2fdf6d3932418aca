/**
 * The timeline and the lobby over real sockets: the upstream client's arithmetic fed with what
 * the server really sends, state updates dropped in flight and counted on /metrics, and room
 * lists for the lobby only.
 */
import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { simulatedLegacyClient as legacy } from "../helpers/simulated_video.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const T = DEFAULT_TIMINGS;

Deno.test("upstream clients on real sockets: play and a seek while playing land on the host's timeline", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, a, b] = clients;
  const roomId = await makeRoom(host!, [a!, b!]);
  for (const guest of [a!, b!]) guest.send("ready", {}, roomId);
  await a!.barrier();
  await b!.barrier();
  const hostPlayer = legacy("host", true, clock, 30);
  const players = [a!, b!].map((guest) => legacy(guest.id, false, clock, 30));
  const deliver = async () => {
    for (const [i, guest] of [a!, b!].entries()) {
      players[i]!.receive(await guest.next("player_event"));
    }
  };

  const play = hostPlayer.pressPlay();
  host!.send("player_event", { action: play.action, position: play.position }, roomId);
  await deliver();
  clock.advance(T.playScheduleMs);
  for (const player of players) {
    assert.ok(!player.video.paused);
    assert.equal(player.position(), hostPlayer.position());
    assert.equal(player.expected(), hostPlayer.position());
  }

  clock.advance(30_000);
  const seek = hostPlayer.pressSeek(900);
  host!.send("player_event", {
    action: seek.action,
    position: seek.position,
    play_state: seek.playState,
  }, roomId);
  await deliver();
  clock.advance(5_000);
  for (const player of players) {
    assert.ok(!player.video.paused, "a seek while playing resumes the member");
    assert.equal(player.position(), hostPlayer.position());
  }
});

Deno.test("state updates in flight are dropped and every verdict is counted on /metrics", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  const roomId = await makeRoom(host!, [guest!]);
  await guest!.drain(); // the list pushed while the guest was still in the lobby
  // Pending play (the guest is not ready): a host waiting for it reports "paused".
  host!.send("player_event", { action: "play", position: 0 }, roomId);
  host!.send("state_update", { position: 0, play_state: "paused" }, roomId);
  await host!.barrier();
  guest!.send("ready", {}, roomId);
  await guest!.next("participants_update"); // its readiness, shown to the room
  await guest!.next("player_event");
  // Before the play's target instant: still in flight.
  host!.send("state_update", { position: 0.2, play_state: "paused" }, roomId);
  await host!.barrier();
  clock.advance(T.commandCooldownMs);
  host!.send("state_update", { position: 3, play_state: "playing" }, roomId);
  const relayed = await guest!.next("state_update");
  assert.deepEqual(relayed.payload, { position: 3, play_state: "playing" });
  // Whom the play waited for (the guest), then that it is over: nothing else.
  assert.deepEqual((await guest!.drain()).map((m) => m.type), ["waiting_on", "waiting_on"]);

  const metrics = await (await fetch(`${test.httpUrl}/metrics`)).text();
  for (
    const [result, count] of [["drop_pending_play", 1], ["drop_in_flight", 1], ["accept", 1]]
  ) {
    assert.ok(
      metrics.includes(`owp_state_updates_total{result="${result}"} ${count}\n`),
      `${result} ${count}`,
    );
  }
});

Deno.test("room lists: pushed to the lobby only, fresh on leaving, list_rooms answered anywhere", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 3);
  const [host, guest, lobby] = clients;
  const roomId = await makeRoom(host!, [guest!]);
  // The guest was in the lobby when the room appeared; since it joined, nothing.
  await guest!.drain();
  guest!.send("list_rooms", {}, roomId);
  const answered = await guest!.next("room_list");
  assert.deepEqual(answered.payload.map((room) => room.count), [2]);
  // The lobby connection saw the room appear; the host got no push once in its room.
  assert.equal((await lobby!.next("room_list")).payload[0]!.id, roomId);
  assert.ok(!(await host!.drain()).some((m) => m.type === "room_list"));
  assert.deepEqual(await guest!.drain(), []);

  guest!.send("leave_room", {}, roomId);
  const fresh = await guest!.next("room_list");
  assert.deepEqual(fresh.payload.map((room) => room.count), [1]);
});
