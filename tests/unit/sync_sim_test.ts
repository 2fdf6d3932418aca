/**
 * The sync client, whole, in a simulated world (tests/helpers/sim): real room and connection
 * code on a ManualClock, our SyncClient in every participant, fake players with start-up and
 * seek latency and media clocks that run a little fast or slow, and network paths with seeded
 * delays (loopback, 20 ms ± 5, 80 ms ± 30 asymmetric). Positions are compared on the one true
 * clock, so every figure here is exact for its seed.
 */
import assert from "node:assert/strict";
import type { PathProfile } from "../helpers/sim/network.ts";
import {
  assertWithin,
  NEAR,
  offsetsMs,
  SIM_MEDIA as MEDIA,
  simParty,
} from "../helpers/sim/party.ts";
import { type SimClient, SimWorld } from "../helpers/sim/world.ts";

const FAR_ASYMMETRIC: PathProfile = { upMs: 100, downMs: 60, jitterMs: 30 };

/** Host plus members, all in one room with the clocks warmed up. */
function party(
  seed: number,
  members: { offsetMs: number; path?: PathProfile; clockSpeed?: number }[],
) {
  return simParty(
    seed,
    members.map((m) => ({
      offsetMs: m.offsetMs,
      path: m.path,
      player: { clockSpeed: m.clockSpeed ?? 1 },
    })),
  );
}

/** Samples every member's offset every 100 ms for `ms`. */
function sampleOffsets(world: SimWorld, host: SimClient, guests: SimClient[], ms: number) {
  const samples: number[] = [];
  for (let t = 0; t < ms; t += 100) {
    world.advance(100);
    samples.push(...offsetsMs(host, guests));
  }
  return samples;
}

function assertNoCommandsFromMembers(guests: SimClient[]) {
  for (const guest of guests) {
    assert.ok(!guest.sent.includes("player_event"), `${guest.name} sent a player_event`);
    assert.ok(!guest.sent.includes("state_update"), `${guest.name} sent a state_update`);
    assert.deepEqual(guest.errors, [], `${guest.name} got errors`);
  }
}

Deno.test("sim: everyone joins the room with its media URL and participants", () => {
  const { world, host, guests } = party(1, [{ offsetMs: -500 }, { offsetMs: 800 }]);
  for (const guest of guests) {
    const room = guest.client.room!;
    assert.equal(room.mediaUrl, MEDIA);
    assert.equal(room.isHost, false);
    assert.deepEqual(room.participants!.map((p) => p.name).sort(), ["guest1", "guest2", "host"]);
  }
  assert.equal(host.client.room!.isHost, true);
  // Every member said it was ready once its player could play.
  const snapshot = world.registry.get(host.client.room!.id)!.snapshot();
  assert.deepEqual([...snapshot.readyIds].sort(), [...snapshot.memberIds].sort());
});

Deno.test("sim: the clock estimate is within a few ms of the truth on each path", () => {
  const { guests } = party(2, [
    { offsetMs: -3_000 },
    { offsetMs: 250, path: NEAR },
    { offsetMs: 90_000, path: FAR_ASYMMETRIC },
  ]);
  const truth = [3_000, -250, -90_000];
  guests.forEach((guest, i) => {
    const clock = guest.client.syncInfo.clock!;
    const error = clock.offsetMs - truth[i]!;
    // The asymmetric path hides (100 - 60) / 2 = 20 ms from any round-trip measurement.
    const bound = i === 2 ? 20 + 15 : 3;
    assert.ok(Math.abs(error) <= bound, `${guest.name}: error ${error.toFixed(1)} ms`);
    assert.ok(clock.uncertaintyMs >= Math.abs(error) - 1, `${guest.name}: uncertainty`);
  });
});

Deno.test("sim: play, pause and a seek while playing: members start together and stay together", () => {
  const { world, host, guests } = party(3, [
    { offsetMs: -2_000, clockSpeed: 1.002 },
    { offsetMs: 5_000, path: NEAR, clockSpeed: 0.998 },
  ]);
  host.player.user.play();
  world.advance(1_500 + 300); // the play's schedule, then a moment
  assertWithin(offsetsMs(host, guests), 20, "right after the play");
  // Media clocks 2 ms/s fast and slow would be 120 ms apart after a minute: corrected, they
  // stay within the dead zone.
  assertWithin(sampleOffsets(world, host, guests, 60_000), 20, "60 s of playing");
  host.player.user.seek(600);
  world.advance(2_000);
  assertWithin(offsetsMs(host, guests), 20, "2 s after a seek while playing");
  assertWithin(sampleOffsets(world, host, guests, 5_000), 20, "after the seek");
  host.player.user.pause();
  world.advance(1_000);
  for (const guest of guests) assert.ok(guest.player.paused, `${guest.name} paused`);
  assertWithin(offsetsMs(host, guests), 5, "paused where the host paused");
  assertNoCommandsFromMembers(guests);
});

Deno.test("sim: the second play starts tighter than the first (start-up latency learned)", () => {
  const { world, host, guests } = party(4, [{ offsetMs: 100 }, { offsetMs: -100 }]);
  const startSpread = () => {
    host.player.user.play();
    world.advance(1_500 + 120);
    const spread = Math.max(...offsetsMs(host, guests).map(Math.abs));
    world.advance(3_000);
    host.player.user.pause();
    world.advance(1_000);
    return spread;
  };
  const first = startSpread();
  const second = startSpread();
  assert.ok(second <= 3, `second start ${second.toFixed(1)} ms (first ${first.toFixed(1)} ms)`);
  assert.ok(guests.every((g) => g.client.syncInfo.startLatencyMs === 40));
});

Deno.test("sim: a member joining while the room plays starts on the timeline, nobody else stops", () => {
  const { world, host, guests, roomId } = party(5, [{ offsetMs: 300 }]);
  host.player.user.play();
  world.advance(10_000);
  const late = world.addClient({ name: "late", offsetMs: -7_000, path: NEAR });
  world.advance(1_000);
  const joinedAt = world.clock.now();
  late.client.joinRoom(roomId);
  world.advance(2_000);
  assertWithin(offsetsMs(host, [...guests, late]), 25, "2 s after joining");
  for (const player of [host.player, ...guests.map((g) => g.player)]) {
    const paused = player.events.some((e) => e.type === "pause" && e.at >= joinedAt);
    assert.ok(!paused, "nobody paused");
  }
});

Deno.test("sim: commands that arrive late are extrapolated; far members stay within the asymmetry", () => {
  // The play is scheduled 1.5 s ahead; this path delivers it 1.7 s late.
  const slow: PathProfile = { upMs: 1_700, downMs: 1_700, jitterMs: 0 };
  const { world, host, guests } = party(6, [{ offsetMs: 0, path: slow }, {
    offsetMs: 0,
    path: FAR_ASYMMETRIC,
  }]);
  host.player.user.play();
  world.advance(4_000);
  // The far member's clock is 20 ms off (the path's hidden asymmetry): it lands about there.
  assertWithin(sampleOffsets(world, host, guests, 10_000), 45, "late and far members");
});

Deno.test("sim: a clock step on a member is followed, and it is back in step", () => {
  const { world, host, guests } = party(7, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  guests[0]!.stepClock(3_000);
  world.advance(15_000);
  assertWithin(offsetsMs(host, guests), 25, "after the step");
});

Deno.test("sim: a member's own pause is respected until it plays again, then it catches up", () => {
  const { world, host, guests } = party(8, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  guests[0]!.player.user.pause();
  world.advance(5_000);
  assert.ok(guests[0]!.player.paused, "not forced back to playing");
  assert.equal(guests[0]!.client.syncInfo.follow, "held");
  guests[0]!.player.user.play();
  world.advance(2_000);
  assertWithin(offsetsMs(host, guests), 25, "after playing again");
  assertNoCommandsFromMembers(guests);
});

Deno.test("sim: a member's stall is waited out, then it is back on the timeline", () => {
  const { world, host, guests } = party(9, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  guests[0]!.player.stall(1_500);
  world.advance(1_000);
  assert.equal(guests[0]!.client.syncInfo.follow, "buffering");
  world.advance(2_500);
  assertWithin(offsetsMs(host, guests), 25, "2 s after the stall");
  assertNoCommandsFromMembers(guests);
});

Deno.test("sim: a host's stall pauses the room and its restart plays it again", () => {
  const { world, host, guests } = party(10, [{ offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  host.player.stall(2_000);
  world.advance(1_500);
  assert.ok(guests[0]!.player.paused, "the member waits for the host");
  world.advance(3_500);
  assertWithin(offsetsMs(host, guests), 25, "after the host's restart");
});

Deno.test("sim: a dropped member reconnects with backoff, re-joins and catches up", () => {
  const { world, host, guests, roomId } = party(11, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  guests[1]!.dropConnection();
  world.advance(10_000);
  assert.equal(guests[1]!.client.room?.id, roomId);
  assertWithin(offsetsMs(host, guests), 25, "after the reconnect");
});

Deno.test("sim: a member's dropped connection resumes its session: same id, no leave, in step", () => {
  const { world, host, guests, roomId } = party(12, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  host.player.user.play();
  world.advance(5_000);
  const id = guests[0]!.client.clientId;
  guests[0]!.dropConnection();
  world.advance(8_000);
  assert.equal(guests[0]!.client.clientId, id);
  assert.equal(guests[0]!.client.room?.id, roomId);
  // It took its session back; it did not join again.
  const sent = guests[0]!.sent;
  assert.ok(sent.includes("resume"));
  assert.ok(!sent.slice(sent.indexOf("resume")).includes("join_room"));
  const participants = host.client.room!.participants!;
  assert.ok(participants.every((p) => !p.away), "back, not away");
  assertWithin(offsetsMs(host, guests), 25, "after the resume");
});

Deno.test("sim: a host whose connection drops comes back as host; members never see the room close", () => {
  const { world, host, guests, roomId } = party(13, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  const closed: string[] = [];
  for (const guest of guests) guest.client.on("roomClosed", (e) => closed.push(e.reason));
  host.player.user.play();
  world.advance(5_000);
  host.dropConnection();
  world.advance(8_000);
  assert.equal(host.client.room?.id, roomId);
  assert.equal(host.client.room?.isHost, true);
  assert.deepEqual(closed, []);
  host.player.user.seek(300);
  world.advance(2_000);
  assertWithin(offsetsMs(host, guests), 25, "the host commands again after its resume");
});

Deno.test("sim: a host that never returns: the room passes to the earliest member, who then leads", () => {
  const { world, host, guests } = party(14, [{ offsetMs: 0 }, { offsetMs: 0 }]);
  const changes: string[][] = guests.map(() => []);
  guests.forEach((guest, i) => {
    guest.client.on("hostChanged", (e) => changes[i]!.push(`${e.reason}:${e.hostId}`));
  });
  host.player.user.play();
  world.advance(5_000);
  host.client.stop();
  host.dropConnection();
  world.advance(31_000);
  // The earliest joiner hosts now, and both were told. The two join at once; with seed 14 the
  // second guest's join reaches the server first (the seeded paths are deterministic).
  const [other, newHost] = [guests[0]!, guests[1]!];
  assert.deepEqual(guests.map((guest) => guest.client.room?.isHost), [false, true]);
  for (const seen of changes) assert.deepEqual(seen, [`host_timeout:${newHost.client.clientId}`]);
  // The new host leads: its pause reaches the other member.
  newHost.player.user.pause();
  world.advance(1_000);
  assert.ok(other.player.paused);
  assert.ok(Math.abs(other.player.position - newHost.player.position) < 0.01);
});

Deno.test("sim: a start that misses by a few ms is trimmed within a second, pitch free, and still learned", () => {
  const world = new SimWorld(41);
  // A host that starts at once: what a member's first start misses is measured against it.
  const host = world.addClient({
    name: "host",
    offsetMs: 1_234,
    path: NEAR,
    playback: { startWithRoom: false },
  });
  world.advance(2_000);
  host.client.createRoom({ name: "Film", mediaUrl: MEDIA });
  world.advance(200);
  // Chromium's quirk: time-stretching (a rate change with the pitch kept) sets the media back.
  const guests = [300, -450].map((offsetMs, i) =>
    world.addClient({
      name: `guest${i + 1}`,
      offsetMs,
      path: NEAR,
      player: { pitchKeepingSetsBackMs: 25 },
    })
  );
  world.advance(2_000);
  for (const guest of guests) guest.client.joinRoom(host.client.room!.id);
  world.advance(2_000);
  host.player.user.play();
  world.advance(1_500 + 250); // the members start at the target, 1.5 s on
  // The first start misses by the latency not yet learned: inside the steady dead zone (15 ms).
  const missed = Math.max(...offsetsMs(host, guests).map(Math.abs));
  assert.ok(missed > 5 && missed < 15, `first start missed by ${missed.toFixed(1)} ms`);
  world.advance(1_000);
  assertWithin(offsetsMs(host, guests), 2, "trimmed a second later");
  for (const guest of guests) {
    const changes = guest.player.rateChanges.filter((c) => c.rate !== 1);
    assert.ok(changes.length > 0, `${guest.name} trimmed with the rate`);
    assert.ok(changes.every((c) => !c.keepPitch), `${guest.name} kept the pitch while trimming`);
  }
  // The trim came after the start was measured: the next start is on time by itself.
  host.player.user.pause();
  world.advance(1_500);
  host.player.user.play();
  world.advance(1_500 + 250);
  assertWithin(offsetsMs(host, guests), 2, "the second start");
  assert.ok(guests.every((g) => g.client.syncInfo.startLatencyMs === 40));
});

Deno.test("sim: a play from our page: everyone, the host included, starts on the same frame, from where it was pressed", () => {
  const { world, host, guests } = party(71, [{ offsetMs: 300 }, { offsetMs: -450 }]);
  host.player.user.seek(30);
  world.advance(1_000);
  host.player.user.play();
  // Until the play's target nobody moves; then all start together at 30, nobody ahead.
  world.advance(1_000);
  for (const side of [host, ...guests]) {
    assert.ok(Math.abs(side.player.position - 30) < 0.001, `${side.name} waits at 30`);
  }
  world.advance(1_000);
  for (const side of [host, ...guests]) {
    assert.ok(!side.player.paused, `${side.name} plays`);
    assert.ok(
      side.player.position > 30 && side.player.position < 30.6,
      `${side.name} started from 30, at ${side.player.position}`,
    );
  }
  assertWithin(offsetsMs(host, guests), 15, "the first start");
});

Deno.test("sim: someone still loading: the host waits with everyone, then all start together", () => {
  const { world, host, guests } = party(72, [{ offsetMs: 300 }]);
  const late = world.addClient({
    name: "late",
    offsetMs: 100,
    path: NEAR,
    player: { loadMs: 6_000 },
  });
  world.advance(500);
  late.client.joinRoom(host.client.room!.id);
  world.advance(500);
  host.player.user.play();
  world.advance(1_000);
  // The play waits (at most 2 s) for the member still loading: the host does not play alone.
  assert.ok(host.player.paused, "the host waits too");
  assert.ok(guests[0]!.player.paused);
  world.advance(4_000);
  assert.ok(!host.player.paused && !guests[0]!.player.paused, "started once the wait ran out");
  assertWithin(offsetsMs(host, guests), 15, "host and ready member together");
});

Deno.test("sim: on a pause members stop where the host stopped, not a schedule past it", () => {
  const { world, host, guests } = party(73, [{ offsetMs: 300 }, { offsetMs: -450 }]);
  host.player.user.play();
  world.advance(6_000);
  host.player.user.pause();
  const stoppedAt = host.player.position;
  const furthest = guests.map(() => 0);
  for (let ms = 0; ms < 1_000; ms += 5) {
    world.advance(5);
    guests.forEach((guest, i) => furthest[i] = Math.max(furthest[i]!, guest.player.position));
  }
  for (const [i, guest] of guests.entries()) {
    assert.ok(guest.player.paused);
    // At most its path's delay past the point (about 25 ms), not the 300 ms schedule.
    const pastMs = (furthest[i]! - stoppedAt) * 1000;
    assert.ok(pastMs < 60, `${guest.name} played ${pastMs.toFixed(0)} ms past the pause`);
  }
  assertWithin(offsetsMs(host, guests), 5, "paused on the host's frame");
});
