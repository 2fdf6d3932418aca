/**
 * What real browsers do that the simulated world first did not, found by the browser tests
 * (tests/browser/): each case here failed against Chromium before the client handled it.
 */
import assert from "node:assert/strict";
import { SimWorld } from "../helpers/sim/world.ts";

const MEDIA = "https://media.example/film.webm";

Deno.test("sim: a member whose player says 'waiting' on its own start still follows the timeline", () => {
  // Chromium, starting a video whose data is not buffered yet (a member joining a playing
  // room), fires play, waiting, ..., playing. The "waiting" used to leave the member in
  // "buffering" for good, its drift never corrected: in Chromium, 0.5 s behind for ever.
  const world = new SimWorld(11);
  const host = world.addClient({ name: "host", offsetMs: 0 });
  world.advance(2_000);
  host.client.createRoom({ name: "Film", mediaUrl: MEDIA });
  world.advance(200);
  host.player.user.play();
  world.advance(5_000);
  const late = world.addClient({
    name: "late",
    offsetMs: 700,
    // A cold start: 400 ms until the media moves, against the 30 ms assumed.
    player: { waitsOnStart: true, startLatencyMs: 400 },
  });
  world.advance(2_000);
  late.client.joinRoom(host.client.room!.id);
  world.advance(8_000);
  assert.equal(late.client.syncInfo.follow, "following");
  const offsetMs = (late.player.position - host.player.position) * 1000;
  assert.ok(Math.abs(offsetMs) <= 25, `late member ${offsetMs.toFixed(1)} ms from the host`);
});
