/**
 * PlaybackSync alone, on a manual clock with the server's clock known exactly: the races of
 * shared control (docs/protocol.md 5.11) that the simulated network makes rare, set up here
 * on purpose. A member that commanded is not pulled back by the host's updates still on
 * their way; a user's action overtakes another's command not yet carried out; a host sends
 * no state while another's command is about to change it.
 */
import assert from "node:assert/strict";
import {
  PlaybackSync,
  type PlayerAction,
  type PlayState,
  type Readiness,
} from "../../client/playback_sync.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { localClockOf } from "../helpers/local_clock.ts";
import { FakePlayer } from "../helpers/sim/fake_player.ts";

interface Sent {
  commands: {
    action: PlayerAction;
    position: number;
    playState: PlayState;
    at: number | "deferred";
  }[];
  states: number[];
  ready: Readiness[];
}

/**
 * `startWithRoom` false (the default here): the user's play starts the player at once, the
 * races these tests set up; true: it waits for the room's play (tests at the end).
 */
function setUp(role: "host" | "member", canControl: boolean, startWithRoom = false) {
  const clock = new ManualClock(1_000_000);
  const sent: Sent = { commands: [], states: [], ready: [] };
  const sync = new PlaybackSync({
    clock: localClockOf(clock),
    serverNow: () => clock.now(),
    sendCommand: (action, position, playState, at) =>
      sent.commands.push({ action, position, playState, at }),
    sendState: (_position, _playState, at) => sent.states.push(at),
    sendReady: (state) => sent.ready.push(state),
    sendReport: () => {},
    onStatus: () => {},
  }, { startWithRoom });
  const player = new FakePlayer(clock);
  sync.attach(player);
  sync.setControl(canControl);
  sync.enterRoom(role === "host", {
    position: 0,
    serverTs: clock.now(),
    playing: false,
    rate: 1,
  });
  clock.advance(100);
  return { clock, sync, player, sent };
}

/** The room plays from `position` now (as a relayed play would say). */
function roomPlays(clock: ManualClock, sync: PlaybackSync, position: number) {
  sync.command({
    action: "play",
    playState: "playing",
    targetServerTs: clock.now() + 500,
    positionAtTarget: position + 0.5,
  });
  clock.advance(2_000);
}

Deno.test("a member that commanded ignores the host's updates until its command comes back", () => {
  const { clock, sync, player, sent } = setUp("member", true);
  roomPlays(clock, sync, 0);
  assert.ok(!player.paused);
  player.user.seek(100);
  clock.advance(150); // the seek is done and the media runs: the room is told
  assert.equal(sent.commands.at(-1)?.action, "seek");
  // A state update the host sent before it heard of the seek: the room as it was.
  sync.stateUpdate(2.2, "playing", clock.now() - 50);
  clock.advance(1_000);
  assert.ok(player.position > 100, `still on its own seek, at ${player.position}`);
});

Deno.test("a user's own action overtakes another's command not carried out yet", () => {
  const { clock, sync, player, sent } = setUp("host", true);
  player.user.play();
  clock.advance(2_000);
  // A co-host's pause at 2 s, for 1.5 s from now; meanwhile the host's user seeks to 50.
  sync.command({
    action: "pause",
    playState: "paused",
    targetServerTs: clock.now() + 1_500,
    positionAtTarget: 3.5,
  });
  clock.advance(200);
  player.user.seek(50);
  clock.advance(2_000);
  // The room hears the host's seek after the co-host's pause, so everyone ends playing from
  // 50: the host must not carry out the pause it overtook.
  assert.equal(sent.commands.at(-1)?.action, "seek");
  assert.ok(!player.paused, "the host plays on from its seek");
  assert.ok(player.position > 51, `at ${player.position}`);
});

Deno.test("a host sends no state while another's command is about to change it", () => {
  const { clock, sync, player, sent } = setUp("host", true);
  player.user.play();
  clock.advance(3_000);
  const command = { at: clock.now(), target: clock.now() + 2_500 };
  sync.command({
    action: "seek",
    playState: "playing",
    targetServerTs: command.target,
    positionAtTarget: 300,
  });
  clock.advance(4_000);
  const between = sent.states.filter((at) => at > command.at && at < command.target);
  assert.deepEqual(between, [], "no state between the command and its target");
  assert.ok(sent.states.some((at) => at > command.target), "and states again after it");
  assert.ok(Math.abs(player.position - 301.5) < 0.1, `the host carried it out: ${player.position}`);
});

Deno.test("a member the room does not let control is held by its own pause, and tells nobody", () => {
  const { clock, sync, player, sent } = setUp("member", false);
  roomPlays(clock, sync, 0);
  player.user.pause();
  clock.advance(500);
  assert.equal(sync.status.follow, "held");
  assert.deepEqual(sent.commands, []);
  assert.deepEqual(sent.ready, ["ready"], "ready once, when it could play");
});

Deno.test("a host's play waits for the room's: stopped where the user pressed, started at the target", () => {
  const { clock, sync, player, sent } = setUp("host", false, true);
  player.user.seek(30);
  clock.advance(500);
  player.user.play();
  clock.advance(1); // the "play" event (a browser fires it from a task)
  // Stopped at once, and the room told a deferred play from where it stopped.
  assert.ok(player.paused, "held until the room's play");
  const told = sent.commands.at(-1)!;
  assert.deepEqual([told.action, told.at, told.position], ["play", "deferred", 30]);
  const statesBefore = sent.states.length;
  clock.advance(1_000);
  assert.equal(sent.states.length, statesBefore, "no state while the play waits");
  assert.equal(player.position, 30);
  // The room's play, to everyone and back to the host (own), for 1.5 s from now.
  const target = clock.now() + 1_500;
  sync.command({
    action: "play",
    playState: "playing",
    targetServerTs: target,
    positionAtTarget: 30,
    own: true,
  });
  clock.advance(1_400);
  assert.ok(Math.abs(player.position - 30) < 0.001, `still at 30 before the target`);
  clock.advance(600);
  assert.ok(!player.paused, "playing from the target");
  // On the room's timeline: 0.5 s after the target, 30.5 (its start-up latency allowed for).
  assert.ok(Math.abs(player.position - 30.5) < 0.02, `at ${player.position}`);
  assert.equal(sent.commands.length, 2, "the room's play is not told back to the room");
});

Deno.test("a member who controls starts with the room too, and its play's echo starts it", () => {
  const { clock, sync, player, sent } = setUp("member", true, true);
  player.user.play();
  clock.advance(1);
  assert.ok(player.paused);
  assert.equal(sent.commands.at(-1)?.at, "deferred");
  // The host's update from before the play is not followed meanwhile.
  sync.stateUpdate(0, "paused", clock.now());
  sync.command({
    action: "play",
    playState: "playing",
    targetServerTs: clock.now() + 1_500,
    positionAtTarget: 0,
    own: true,
  });
  clock.advance(2_000);
  assert.ok(!player.paused);
  assert.ok(Math.abs(player.position - 0.5) < 0.02, `at ${player.position}`);
});
