/**
 * Changing the video and the queue in the simulated world (tests/helpers/sim), with the real
 * client on every side: new media reaches every player where it is, paused at 0, and the
 * next play starts them together; an item that ends for everyone starts the next one, on one
 * frame for all, the host's player included; the host's "next" does the same mid-film.
 */
import assert from "node:assert/strict";
import { assertWithin, NEAR, offsetsMs, SIM_MEDIA, simParty } from "../helpers/sim/party.ts";

const EPISODE_2 = "https://media.example/episode-2.mp4";
const EPISODE_3 = "https://media.example/episode-3.mp4";

Deno.test("sim: the host changes the video mid-film: everyone at 0, paused; the next play starts all together", () => {
  const { world, host, guests } = simParty(61, [
    { offsetMs: -700, path: NEAR, player: { loadMs: 300 } },
    { offsetMs: 900, path: NEAR, player: { loadMs: 900 } },
  ]);
  host.player.user.seek(30);
  world.advance(500);
  host.player.user.play();
  world.advance(5_000);
  host.client.setMedia({ mediaUrl: EPISODE_2, title: "Episode 2" });
  world.advance(2_000);
  for (const side of [host, ...guests]) {
    assert.equal(side.client.room?.mediaUrl, EPISODE_2, `${side.name} has the new video`);
    assert.equal(side.client.room?.mediaTitle, "Episode 2");
    assert.ok(side.player.paused, `${side.name} is paused`);
    assert.ok(side.player.position < 0.01, `${side.name} at ${side.player.position}`);
    assert.deepEqual(side.errors, []);
  }
  assert.equal(host.client.room?.participantCount, 3, "nobody left or rejoined");
  const ready = host.client.room?.participants?.map((p) => p.readiness);
  assert.deepEqual(ready, ["ready", "ready", "ready"], "each member loaded it and said so");
  host.player.user.play();
  world.advance(3_000);
  assert.ok(guests.every((guest) => !guest.player.paused));
  assertWithin(offsetsMs(host, guests), 25, "playing the new video");
  assert.ok(host.player.position > 1, `from 0, at ${host.player.position}`);
});

Deno.test("sim: an item ends for everyone: the queue's next one plays for all on one frame, the host's player too", () => {
  const player = { durationS: 20 };
  const { world, host, guests } = simParty(
    62,
    [
      { offsetMs: -700, path: NEAR, player: { ...player, loadMs: 400 } },
      { offsetMs: 900, path: NEAR, player: { ...player, clockSpeed: 1.002 } },
    ],
    {},
    player,
  );
  host.client.queueAdd({ mediaUrl: EPISODE_2, title: "Two" });
  host.client.queueAdd({ mediaUrl: EPISODE_3, title: "Three" });
  world.advance(500);
  assert.deepEqual(guests[0]!.client.room?.queue.map((q) => q.title), ["Two", "Three"]);
  host.player.user.seek(14);
  world.advance(500);
  host.player.user.play();
  // The play starts with the room's (1.5 s), six seconds to the end, then the next item.
  world.advance(8_000);
  for (const side of [host, ...guests]) {
    assert.equal(side.client.room?.mediaUrl, EPISODE_2, `${side.name} moved on`);
    assert.deepEqual(side.client.room?.queue.map((q) => q.title), ["Three"]);
  }
  world.advance(3_000);
  for (const side of [host, ...guests]) {
    assert.equal(side.player.paused, false, `${side.name} plays the next item`);
    assert.ok(
      side.player.position > 0.5 && side.player.position < 4,
      `${side.name} at ${side.player.position}`,
    );
    assert.deepEqual(side.errors, []);
  }
  assertWithin(offsetsMs(host, guests), 25, "the next item, together");
  assert.equal(host.client.syncInfo.follow, "following");
  assert.ok(guests.every((guest) => guest.client.syncInfo.follow === "following"));
});

Deno.test("sim: the host presses next mid-film: everyone loads it and starts together", () => {
  const { world, host, guests } = simParty(63, [
    { offsetMs: -300, path: NEAR, player: { loadMs: 700 } },
  ]);
  host.client.queueAdd({ mediaUrl: EPISODE_2 });
  host.player.user.play();
  world.advance(8_000);
  host.client.queueNext();
  world.advance(4_000);
  assert.equal(guests[0]!.client.room?.mediaUrl, EPISODE_2);
  assert.equal(host.player.paused, false);
  assert.equal(guests[0]!.player.paused, false);
  assertWithin(offsetsMs(host, guests), 25, "after next");
  assert.ok(host.player.position < 3, `the new item from 0, at ${host.player.position}`);
  // Nothing queued any more: the end of this one is the end (no error to anyone).
  assert.deepEqual(guests[0]!.client.room?.queue, []);
  assert.notEqual(guests[0]!.client.room?.mediaUrl, SIM_MEDIA);
});
