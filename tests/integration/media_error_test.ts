/**
 * A member whose player cannot load the room's media (a broken link) says `media_error`: over
 * real sockets, everyone sees it with that readiness, and a play does not wait for it (as for
 * an away member); loading again (a retry) makes it counted again.
 */
import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const T = DEFAULT_TIMINGS;

Deno.test("a member in media_error is shown so and does not hold a play back; a retry counts again", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, quick, broken] = clients;
  const roomId = await makeRoom(host!, [quick!, broken!]);
  quick!.send("ready", { state: "ready" }, roomId);
  broken!.send("ready", { state: "media_error" }, roomId);
  await broken!.barrier();
  const update = await host!.nextOf(
    "participants_update",
    (m) => m.payload.participants.some((p) => p.readiness === "media_error"),
    "the broken member's media_error",
  );
  const hello = broken!.received.find((m) => m.type === "client_hello");
  const brokenId = (hello?.payload as { client_id: string }).client_id;
  const shown = update.payload.participants.find((p) => p.id === brokenId);
  assert.equal(shown?.readiness, "media_error");
  assert.equal(shown?.ready, false);
  assert.equal(shown?.away, false);
  // No error for the new state.
  assert.deepEqual((await broken!.drain()).filter((m) => m.type === "error"), []);

  // The host's play fires at once: nobody it must wait for.
  host!.send("player_event", { action: "play", position: 0, at_server_ts: clock.now() }, roomId);
  const play = await quick!.next("player_event");
  assert.equal(play.payload.action, "play");
  assert.equal(play.payload.target_server_ts, clock.now() + T.playScheduleMs);
  const waits = (await host!.drain()).filter((m) =>
    m.type === "waiting_on" && m.payload.waiting.length > 0
  );
  assert.deepEqual(waits, [], "no wait for the broken member");

  // A pause, then the broken member tries again: loading, it is waited for once more.
  host!.send("player_event", { action: "pause", position: 1 }, roomId);
  await quick!.nextOf("player_event", (m) => m.payload.action === "pause", "the pause");
  broken!.send("ready", { state: "loading" }, roomId);
  await broken!.barrier();
  host!.send("player_event", { action: "play", position: 1, at_server_ts: clock.now() }, roomId);
  const waiting = await host!.nextOf(
    "waiting_on",
    (m) => m.payload.waiting.length > 0,
    "a wait for the reloading member",
  );
  assert.deepEqual(waiting.payload.waiting.map((w) => w.readiness), ["loading"]);
  // Its link breaks again while the play waits: the play fires at once, without the timer.
  broken!.send("ready", { state: "media_error" }, roomId);
  const second = await quick!.nextOf(
    "player_event",
    (m) => m.payload.action === "play",
    "the play, released by media_error",
  );
  assert.equal(second.payload.target_server_ts, clock.now() + T.playScheduleMs);
});

Deno.test("a readiness the protocol does not know is still refused, naming media_error", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  const roomId = await makeRoom(host!, [guest!]);
  guest!.send("ready", { state: "broken" }, roomId);
  const error = await guest!.next("error");
  assert.equal(
    error.payload.message,
    "Invalid state: must be loading, ready, buffering, autoplay_blocked, media_error or ended",
  );
});
