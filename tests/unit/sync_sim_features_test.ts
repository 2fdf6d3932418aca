/**
 * The sync client with the room features (docs/protocol.md 5.2, 5.10–5.12) in the simulated
 * world (tests/helpers/sim): readiness told as it changes (loading, buffering, autoplay
 * blocked) and plays that wait for it, co-hosts and everyone controlling playback, the room's
 * playback rate, and a reloaded page taking its session back. Positions are the truth on the
 * one simulated clock.
 */
import assert from "node:assert/strict";
import type { NewRoomOptions, Readiness, WaitingOn } from "../../client/sync_client.ts";
import type { FakePlayerOptions } from "../helpers/sim/fake_player.ts";
import type { PathProfile } from "../helpers/sim/network.ts";
import {
  assertWithin,
  NEAR,
  offsetsMs,
  SIM_MEDIA as MEDIA,
  simParty,
} from "../helpers/sim/party.ts";
import { type SimClient, SimWorld } from "../helpers/sim/world.ts";

const FAR: PathProfile = { upMs: 150, downMs: 120, jitterMs: 30 };

/** Host plus members in one room; members on near paths, their clocks 0.7 s apart each. */
function party(seed: number, members: Partial<FakePlayerOptions>[], room: NewRoomOptions = {}) {
  return simParty(
    seed,
    members.map((player, i) => ({ offsetMs: -700 * (i + 1), path: NEAR, player })),
    room,
  );
}

/** A member's readiness as the room shows it to `viewer`. */
function readinessOf(viewer: SimClient, member: SimClient): Readiness | null {
  const id = member.client.clientId;
  return viewer.client.room?.participants?.find((p) => p.id === id)?.readiness ?? null;
}

/** Lets pending promise callbacks run. */
function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** How many `ready` frames a client has sent. */
function readyCount(client: SimClient): number {
  return client.sent.filter((type) => type === "ready").length;
}

Deno.test("sim: a member still loading is waited for (waiting_on names it), and the play starts with it", () => {
  const { world, host, guests } = party(31, [{}, { loadMs: 5_000 }]);
  const waits: WaitingOn[] = [];
  host.client.on("waiting", (waiting) => waits.push(waiting));
  assert.equal(readinessOf(host, guests[0]!), "ready");
  assert.equal(readinessOf(host, guests[1]!), "loading");
  host.player.user.play();
  world.advance(300);
  assert.deepEqual(waits[0]?.waiting.map((w) => [w.name, w.readiness]), [["guest2", "loading"]]);
  assert.ok(guests.every((guest) => guest.player.paused), "nobody starts before guest2 can");
  world.advance(1_500); // guest2's media has loaded: it says ready, and the play fires
  assert.equal(readinessOf(host, guests[1]!), "ready");
  assert.deepEqual(waits.at(-1)?.waiting, [], "the wait is over");
  world.advance(2_000);
  assert.ok(guests.every((guest) => !guest.player.paused));
  assertWithin(offsetsMs(host, guests), 25, "everyone started together");
});

Deno.test("sim: a member's long stall is told as buffering and its end as ready; a short one is not told", () => {
  const { world, host, guests } = party(32, [{}]);
  const guest = guests[0]!;
  host.player.user.play();
  world.advance(5_000);
  const before = readyCount(guest);
  guest.player.stall(200);
  world.advance(1_000);
  assert.equal(readyCount(guest), before, "a 200 ms stall is not worth telling");
  guest.player.stall(3_000);
  world.advance(1_000);
  assert.equal(readinessOf(host, guest), "buffering");
  world.advance(2_500);
  assert.equal(readinessOf(host, guest), "ready");
  // Back in the room's timeline: its catch-up play and the drift loop bring it in step.
  world.advance(3_000);
  assertWithin(offsetsMs(host, guests), 25, "after the stall");
});

Deno.test("sim: autoplay blocked: the member says so, the room sees it, and a click brings it in step", async () => {
  const { world, host, guests } = party(33, [{}, { blocksAutoplay: true }]);
  const blocked = guests[1]!;
  host.player.user.play();
  // A refused play() is answered in a promise: the world's timers run synchronously, so the
  // test lets promise callbacks run between steps.
  world.advance(1_800);
  await settled();
  world.advance(1_200);
  assert.equal(blocked.client.syncInfo.follow, "blocked");
  assert.equal(readinessOf(host, blocked), "autoplay_blocked");
  assert.ok(blocked.player.paused);
  // The page's "Start watching" button: a gesture, then resync().
  blocked.player.grantGesture();
  blocked.client.resync();
  world.advance(100);
  await settled();
  world.advance(3_000);
  assert.equal(readinessOf(host, blocked), "ready");
  assertWithin(offsetsMs(host, guests), 25, "after the click");
});

Deno.test("sim: a co-host's pause, seek and play reach everyone, the host included", () => {
  const { world, host, guests } = party(34, [{}, {}], { control: "cohosts" });
  const [cohost, viewer] = guests as [SimClient, SimClient];
  host.client.setCohost(cohost.client.clientId!, true);
  world.advance(500);
  assert.equal(cohost.client.room?.canControl, true);
  assert.equal(viewer.client.room?.canControl, false);
  host.player.user.play();
  world.advance(4_000);

  cohost.player.user.pause();
  world.advance(1_500);
  assert.ok(host.player.paused && viewer.player.paused, "the co-host's pause reached everyone");
  assertWithin(offsetsMs(cohost, [host, viewer]), 10, "paused on the co-host's frame");

  const mark = cohost.player.events.length;
  cohost.player.user.seek(300);
  world.advance(1_500);
  // Its own command, echoed back by the room, only confirms the timeline: no second seek.
  const after = cohost.player.events.slice(mark).map((e) => e.type);
  assert.deepEqual(after.filter((type) => type !== "canplay"), ["seeking", "seeked"]);
  assert.ok(Math.abs(host.player.position - 300) < 0.01, `host at ${host.player.position}`);
  assertWithin(offsetsMs(cohost, [host, viewer]), 10, "after the co-host's seek");

  cohost.player.user.play();
  world.advance(3_000);
  assert.ok(!host.player.paused && !viewer.player.paused);
  assertWithin(offsetsMs(host, guests), 25, "playing after the co-host's play");

  // The host still leads too, and a viewer's own pause stays its own.
  host.player.user.pause();
  world.advance(1_500);
  assert.ok(cohost.player.paused && viewer.player.paused);
  assertWithin(offsetsMs(host, guests), 10, "after the host's pause");
  for (const client of [host, ...guests]) assert.deepEqual(client.errors, [], client.name);
  assert.ok(!viewer.sent.includes("player_event"), "a viewer never commands");
});

Deno.test("sim: a far co-host's seeks are not undone by the host's state updates still on their way", () => {
  const world = new SimWorld(38);
  const host = world.addClient({ name: "host", offsetMs: 1_234, path: NEAR });
  world.advance(2_000);
  host.client.createRoom({ name: "Film", mediaUrl: MEDIA, control: "everyone" });
  world.advance(200);
  const far = world.addClient({ name: "far", offsetMs: -900, path: FAR });
  world.advance(2_000);
  far.client.joinRoom(host.client.room!.id);
  world.advance(2_000);
  host.player.user.play();
  world.advance(3_000);
  for (let i = 0; i < 8; i++) {
    const mark = far.player.events.length;
    far.player.user.seek(100 + 50 * i);
    world.advance(1_700);
    const seeks = far.player.events.slice(mark).filter((e) => e.type === "seeking").length;
    assert.equal(seeks, 1, `seek ${i + 1}: the far member's own seek only`);
    // Its clock estimate is off by up to half the path's asymmetry plus jitter (15 + 30 ms).
    assertWithin(offsetsMs(host, [far]), 50, `after seek ${i + 1}`);
  }
});

Deno.test("sim: everyone controls: two members seek at once and everyone ends on the same frame", () => {
  const { world, host, guests } = party(35, [{}, {}], { control: "everyone" });
  host.player.user.play();
  world.advance(4_000);
  guests[0]!.player.user.seek(100);
  guests[1]!.player.user.seek(200);
  world.advance(4_000);
  const everyone = [host, ...guests];
  assertWithin(offsetsMs(host, guests), 25, "one frame for all");
  const at = host.player.position;
  assert.ok((at > 100 && at < 106) || (at > 200 && at < 206), `ended at ${at}`);
  for (const client of everyone) assert.deepEqual(client.errors, [], client.name);
});

Deno.test("sim: the host sets 1.5x: every player switches together and the room runs at 1.5x", () => {
  const { world, host, guests } = party(36, [{}, {}]);
  host.player.user.play();
  world.advance(4_000);
  host.client.setRate(1.5);
  world.advance(2_000);
  for (const client of [host, ...guests]) {
    assert.equal(client.client.room?.playbackRate, 1.5, client.name);
    assert.ok(Math.abs(client.player.rate - 1.5) < 0.1, `${client.name} at ${client.player.rate}`);
  }
  const from = host.player.position;
  world.advance(2_000);
  assert.ok(Math.abs(host.player.position - from - 3) < 0.01, "3 media seconds in 2 s");
  assertWithin(offsetsMs(host, guests), 25, "in step at 1.5x");
  // Paused, a new rate, and a play right behind it: the play's point runs at the new rate
  // (its target comes after the change's), so nobody follows the old rate.
  host.player.user.pause();
  world.advance(1_500);
  host.client.setRate(1.25);
  host.player.user.play();
  world.advance(3_000);
  for (const client of [host, ...guests]) {
    assert.ok(Math.abs(client.player.rate - 1.25) < 0.1, `${client.name} at ${client.player.rate}`);
  }
  assertWithin(offsetsMs(host, guests), 25, "in step at 1.25x");
  // A member joining now plays at the room's rate from the start.
  const late = world.addClient({ name: "late", offsetMs: 300, path: NEAR });
  world.advance(2_000);
  late.client.joinRoom(host.client.room!.id);
  world.advance(4_000);
  assert.ok(Math.abs(late.player.rate - 1.25) < 0.1, `late at ${late.player.rate}`);
  assertWithin(offsetsMs(host, [late]), 25, "the late joiner at 1.25x");
});

Deno.test("sim: a reloaded page takes its session back with its ticket: same id, the room's state, in step", () => {
  const { world, host, guests, roomId } = party(37, [{}]);
  const guest = guests[0]!;
  host.player.user.play();
  world.advance(4_000);
  const id = guest.client.clientId;
  const ticket = guest.client.session;
  assert.equal(ticket?.roomId, roomId);
  // The page goes away (its connection drops), and a new page starts with the kept ticket.
  guest.client.stop();
  guest.dropConnection();
  world.advance(500);
  const reloaded = world.addClient({
    name: "guest1",
    offsetMs: -700,
    path: NEAR,
    session: ticket!,
  });
  world.advance(4_000);
  assert.equal(reloaded.client.clientId, id, "the same session");
  assert.equal(reloaded.client.room?.id, roomId, "a fresh room_state brought the room");
  assert.ok(!reloaded.sent.includes("join_room"), "no join: a resume");
  const people = host.client.room!.participants!;
  assert.deepEqual(people.map((p) => [p.name, p.away]), [["host", false], ["guest1", false]]);
  assertWithin(offsetsMs(host, [reloaded]), 25, "the reloaded page in step");
});

Deno.test("sim: a member correcting its drift that becomes host runs at the room's rate exactly", () => {
  const { world, host, guests } = party(39, [{ clockSpeed: 1.02 }, {}]);
  host.player.user.play();
  world.advance(3_000);
  const [heir, other] = guests as [SimClient, SimClient];
  // Its media clock runs 20 ms/s fast: now and then it runs a little slower than 1 to follow.
  for (let t = 0; t < 10_000 && heir.player.rate === 1; t += 50) world.advance(50);
  assert.ok(heir.player.rate < 1, `correcting at ${heir.player.rate}`);
  host.client.transferHost(heir.client.clientId!);
  world.advance(500);
  assert.equal(heir.client.room?.isHost, true);
  assert.equal(heir.player.rate, 1, "the reference runs at the room's rate");
  assert.equal(heir.client.syncInfo.role, "host");
  world.advance(5_000);
  assertWithin(offsetsMs(heir, [other, host]), 30, "the others follow the new host");
});
