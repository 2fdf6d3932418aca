/**
 * Ordinary moments of a movie night in the simulated world (tests/helpers/sim): the host's
 * page reloads while the party plays or is paused, and the film plays to its end and is
 * replayed. Positions are the truth on the one simulated clock.
 */
import assert from "node:assert/strict";
import { assertWithin, NEAR, offsetsMs, simParty } from "../helpers/sim/party.ts";
import type { SimClient, SimWorld } from "../helpers/sim/world.ts";

/** The host's page reloads: its socket drops and a new page starts with the kept ticket. */
function reloadHost(world: SimWorld, host: SimClient, player = {}): SimClient {
  const ticket = host.client.session;
  assert.ok(ticket, "the host's page keeps a ticket to come back with");
  host.client.stop();
  host.dropConnection();
  world.advance(800);
  // The new page's player starts where any fresh page does: at 0, paused.
  return world.addClient({ name: "host", offsetMs: 1_234, path: NEAR, session: ticket, player });
}

Deno.test("sim: the host reloads while the party plays: its player comes back on the room's timeline", () => {
  const { world, host, guests, roomId } = simParty(
    51,
    [{ offsetMs: -700, path: NEAR }, { offsetMs: 900, path: NEAR }],
  );
  host.player.user.seek(40);
  world.advance(500);
  host.player.user.play();
  world.advance(6_000);
  const before = guests[0]!.player.position;
  const back = reloadHost(world, host);
  world.advance(4_000);
  assert.equal(back.client.room?.id, roomId);
  assert.equal(back.client.room?.isHost, true, "it comes back as the host");
  assert.equal(back.player.paused, false, "its player plays with the room");
  // The room played on meanwhile (about 4.8 s): nobody went back to the start.
  assert.ok(guests[0]!.player.position > before + 4, `members at ${guests[0]!.player.position}`);
  assertWithin(offsetsMs(back, guests), 25, "after the host's reload");
  // Its commands are the room's again, from where the party is.
  back.player.user.pause();
  world.advance(1_500);
  assert.ok(guests.every((guest) => guest.player.paused));
  assertWithin(offsetsMs(back, guests), 10, "paused on the host's frame");
  // Its play started with the room's, 1.5 s after the press (played 40 → 49+).
  assert.ok(back.player.position > 48.5, `paused at ${back.player.position}`);
});

Deno.test("sim: the host reloads while the party is paused: nobody is moved to the start", () => {
  const { world, host, guests } = simParty(52, [{ offsetMs: -700, path: NEAR }]);
  host.player.user.seek(60);
  world.advance(2_000);
  const back = reloadHost(world, host);
  world.advance(5_000);
  assert.equal(back.client.room?.isHost, true);
  assert.ok(back.player.paused);
  assert.ok(Math.abs(back.player.position - 60) < 0.01, `host at ${back.player.position}`);
  assert.ok(Math.abs(guests[0]!.player.position - 60) < 0.01, "the member stays at 1:00");
  back.player.user.play();
  world.advance(3_000);
  assertWithin(offsetsMs(back, guests), 25, "playing on from 1:00");
  // Started with everyone at the play's target, 1.5 s after the press.
  assert.ok(back.player.position > 61, `from 1:00, at ${back.player.position}`);
});

Deno.test("sim: at the end of the film members keep following; a seek back and play bring everyone along", () => {
  const durationS = 180;
  const player = { durationS };
  const { world, host, guests } = simParty(
    53,
    [
      { offsetMs: -700, path: NEAR, player },
      { offsetMs: 900, path: NEAR, player: { ...player, clockSpeed: 1.002 } },
    ],
    {},
    player,
  );
  host.player.user.seek(174);
  world.advance(500);
  host.player.user.play();
  world.advance(8_000);
  assert.ok(guests.every((guest) => guest.player.ended), "everyone's film ended");
  for (const guest of guests) {
    assert.notEqual(guest.client.syncInfo.follow, "held", `${guest.name} still follows`);
  }
  host.player.user.seek(120);
  world.advance(1_000);
  host.player.user.play();
  world.advance(3_000);
  assert.ok(guests.every((guest) => !guest.player.paused), "everyone plays again");
  assertWithin(offsetsMs(host, guests), 25, "replayed from 2:00");
  assert.ok(host.player.position > 121, `host at ${host.player.position}`);
});

Deno.test("sim: a reloaded host whose browser blocks the catch-up start: the room plays on, a click brings it in", async () => {
  const { world, host, guests } = simParty(54, [{ offsetMs: -700, path: NEAR }]);
  host.player.user.play();
  world.advance(5_000);
  const back = reloadHost(world, host, { blocksAutoplay: true });
  world.advance(3_000);
  // A refused play() is answered in a promise: let its callbacks run, then the world on.
  await new Promise((resolve) => setTimeout(resolve, 0));
  world.advance(2_000);
  assert.equal(back.client.syncInfo.follow, "blocked");
  assert.ok(back.player.paused);
  assert.ok(!guests[0]!.player.paused, "the member plays on");
  assert.ok(guests[0]!.player.position > 9, `the member at ${guests[0]!.player.position}`);
  // The page's "Start watching": a gesture, then resync().
  back.player.grantGesture();
  back.client.resync();
  world.advance(3_000);
  assert.equal(back.client.syncInfo.follow, "following");
  assertWithin(offsetsMs(back, guests), 25, "the host caught up after the click");
});

Deno.test("sim: after a hand-over and the end, the new host seeks and plays in one go: everyone plays from there", () => {
  const player = { durationS: 20 };
  const { world, host, guests } = simParty(
    55,
    [{ offsetMs: -700, path: NEAR, player }, { offsetMs: 300, path: NEAR, player }],
    {},
    player,
  );
  host.player.user.play();
  world.advance(4_000);
  const ann = guests[0]!;
  host.client.transferHost(ann.client.clientId!);
  world.advance(2_000);
  assert.equal(ann.client.room?.isHost, true);
  ann.player.user.seek(17);
  world.advance(7_000);
  assert.ok(ann.player.ended, "the film ended");
  // The seek is still under way when play is pressed: its "seeked" is part of the press (it
  // lands where the held play waits), not a new command that would stop the room's play.
  ann.player.user.seek(5);
  ann.player.user.play();
  world.advance(4_000);
  const others = [host, guests[1]!];
  for (const side of [ann, ...others]) {
    assert.equal(side.player.paused, false, `${side.name} plays`);
    assert.ok(side.player.position > 6, `${side.name} at ${side.player.position}`);
  }
  assertWithin(offsetsMs(ann, others), 25, "replayed from 0:05 after the hand-over");
});
