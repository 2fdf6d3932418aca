/**
 * The pure parts of PlaybackSync, without a player, a clock or timers: each test gives a
 * moment (local ms, server ms, the player as read) and asserts the exact effects decided.
 */
import assert from "node:assert/strict";
import { HostReporter } from "../../client/host_reporter.ts";
import { MemberFollower } from "../../client/member_follower.ts";
import { type Effect, type PlayerReading, Step, SyncCore } from "../../client/sync_core.ts";

const NOW = 10_000;
/** The server's clock runs 5 s ahead of the local one. */
const OFFSET = 5_000;

function playerAt(reading: Partial<PlayerReading> = {}): PlayerReading {
  return { currentTime: 0, paused: true, ended: false, canPlay: true, rate: 1, ...reading };
}

function step(reading: Partial<PlayerReading> | null = {}, nowMs = NOW): Step {
  return new Step({
    nowMs,
    serverNow: nowMs + OFFSET,
    player: reading === null ? null : playerAt(reading),
  });
}

function memberIn(room: { position: number; playing: boolean; rate?: number }) {
  const core = new SyncCore();
  core.enterRoom(false, { serverTs: NOW + OFFSET, rate: 1, ...room }, false);
  return core;
}

Deno.test("a step's player reading follows the calls written into it", () => {
  const s = step({ currentTime: 3, paused: false });
  s.emit({ kind: "pause" });
  s.emit({ kind: "seek", to: 7 });
  s.emit({ kind: "setRate", rate: 1.5 });
  assert.deepEqual(s.player, {
    currentTime: 7,
    paused: true,
    ended: false,
    canPlay: true,
    rate: 1.5,
  });
  s.emit({ kind: "play" });
  assert.equal(s.player?.paused, false);
});

Deno.test("the timeline: where it is now and ahead, at a rate announced for later", () => {
  const core = memberIn({ position: 10, playing: true, rate: 2 });
  core.roomRate = 2;
  const s = step();
  assert.equal(core.expected(s), 10);
  assert.equal(core.expected(s, 500), 11); // 0.5 s at rate 2
  assert.equal(core.delayUntil(s, NOW + OFFSET + 250), 250);
  core.nextRate = { rate: 0.5, fromServerTs: NOW + OFFSET + 1_000 };
  assert.equal(core.rateAt(NOW + OFFSET + 999), 2);
  assert.equal(core.rateAt(NOW + OFFSET + 1_000), 0.5);
  const unknown = new Step({ nowMs: NOW, serverNow: null, player: playerAt() });
  assert.equal(core.expected(unknown), null);
  assert.equal(core.delayUntil(unknown, NOW + OFFSET + 250), 0);
});

Deno.test("a seek to where the player is already (within half a frame) is no call", () => {
  const core = new SyncCore();
  const s = step({ currentTime: 12 });
  core.seekTo(s, 12.004);
  assert.deepEqual(s.effects, []);
  core.seekTo(s, -1);
  assert.deepEqual(s.effects, [{ kind: "seek", to: 0 }]);
});

Deno.test("a pause at a point: the room's rate, a pause only if playing, the seek, no drift loop", () => {
  const core = new SyncCore();
  core.roomRate = 1.25;
  const playing = step({ currentTime: 4, paused: false, rate: 1.3 });
  core.startDriftLoop(playing);
  core.pauseAt(playing, 9);
  assert.deepEqual(playing.effects, [
    { kind: "schedule", timer: "driftCheck", delayMs: 250 },
    { kind: "setRate", rate: 1.25 },
    { kind: "pause" },
    { kind: "seek", to: 9 },
    { kind: "cancel", timer: "driftCheck" },
  ]);
  const paused = step({ currentTime: 9 });
  core.pauseAt(paused, 9);
  assert.deepEqual(paused.effects, [{ kind: "setRate", rate: 1.25 }]);
});

Deno.test("the guard: the events our calls cause are ours, once each; the user's are not", () => {
  const core = new SyncCore();
  const s = step({ currentTime: 4, paused: false });
  core.pauseAt(s, 9);
  assert.equal(core.ours("seeking"), true); // a seek is under way: not consumed
  assert.equal(core.ours("seeking"), true);
  assert.equal(core.ours("pause"), true);
  assert.equal(core.ours("pause"), false);
  assert.equal(core.ours("seeked"), true);
  assert.equal(core.ours("seeked"), false);
  core.startAt(step());
  assert.equal(core.ours("play"), true); // kept for the "playing" that follows
  assert.equal(core.ours("playing"), true);
  assert.equal(core.ours("playing"), false);
  assert.equal(core.ours("waiting"), false);
});

Deno.test("a start: the room's rate, play, and the drift loop (restarted if it ran)", () => {
  const core = new SyncCore({ driftCheckMs: 100 });
  const first = step();
  core.startAt(first);
  assert.deepEqual(first.effects, [
    { kind: "setRate", rate: 1 },
    { kind: "play" },
    { kind: "schedule", timer: "driftCheck", delayMs: 100 },
  ]);
  const again = step();
  core.startAt(again);
  assert.deepEqual(again.effects, [
    { kind: "setRate", rate: 1 },
    { kind: "play" },
    { kind: "cancel", timer: "driftCheck" },
    { kind: "schedule", timer: "driftCheck", delayMs: 100 },
  ]);
  const cleared = step();
  core.timersCleared();
  core.stopDriftLoop(cleared);
  assert.deepEqual(cleared.effects, []);
});

Deno.test("a start is learned once settled: behind by d after assuming L means L + d", () => {
  const core = new SyncCore();
  core.startAt(step({}, NOW));
  assert.equal(core.startLatency.estimateMs, 30);
  core.learn(0.012, NOW + 199); // too soon: the media may not run for good yet
  assert.equal(core.startLatency.measurements, 0);
  core.learn(0.012, NOW + 200);
  assert.equal(core.startLatency.estimateMs, 42);
  core.learn(0.05, NOW + 400); // measured once only
  assert.equal(core.startLatency.measurements, 1);
});

Deno.test("a start behind a seek of ours is not learned; a player's cold first start neither", () => {
  const behindSeek = new SyncCore();
  const s = step({ currentTime: 0 });
  behindSeek.seekTo(s, 20);
  behindSeek.startAt(s);
  behindSeek.learn(0.02, NOW + 500);
  assert.equal(behindSeek.startLatency.measurements, 0);

  const cold = new SyncCore();
  cold.adoptTypicalLatencies({ start: 80, seek: 115 });
  assert.equal(cold.startLatency.estimateMs, 80);
  assert.equal(cold.seekLatency.estimateMs, 115);
  cold.startAt(step({}, NOW));
  cold.learn(0.1, NOW + 300);
  assert.equal(cold.startLatency.estimateMs, 80);
  cold.startAt(step({}, NOW + 1_000));
  cold.learn(0.01, NOW + 1_300);
  assert.equal(cold.startLatency.estimateMs, 90);
});

Deno.test("a lone seek of a paused player is measured by its seeked", () => {
  const core = new SyncCore();
  const s = step({ currentTime: 0 });
  core.seekTo(s, 30);
  assert.equal(core.ours("seeked"), true);
  core.ownEvent(step({ currentTime: 30 }, NOW + 45), "seeked");
  assert.equal(core.pausedSeekLatency.estimateMs, 45);
  assert.equal(core.ownSettledAt, NOW + 45);
});

Deno.test("readiness: a member tells each change once; a host only the end and leaving it", () => {
  const member = memberIn({ position: 0, playing: false });
  const s = step({ canPlay: true });
  member.maybeReady(s);
  member.maybeReady(s);
  member.setReadiness(s, "buffering");
  assert.deepEqual(s.effects, [
    { kind: "send", message: { type: "ready", state: "ready" } },
    { kind: "send", message: { type: "ready", state: "buffering" } },
  ]);

  const host = new SyncCore();
  host.enterRoom(true, { position: 0, serverTs: NOW, playing: false, rate: 1 }, false);
  const h = step({ ended: false });
  host.setReadiness(h, "ready");
  host.trackEnd(h, "ended");
  host.trackEnd(h, "seeked");
  assert.deepEqual(h.effects, [
    { kind: "send", message: { type: "ready", state: "ended" } },
    { kind: "send", message: { type: "ready", state: "ready" } },
  ]);

  const out = new SyncCore();
  const none = step();
  out.setReadiness(none, "ready");
  assert.deepEqual(none.effects, []);
});

Deno.test("a refused play: only the autoplay policy's refusal asks for a click", () => {
  const core = memberIn({ position: 0, playing: true });
  core.follow = "following";
  core.startAt(step());
  const aborted = step();
  core.playRefused(aborted, "AbortError");
  assert.deepEqual(aborted.effects, []);
  assert.equal(core.ours("playing"), false); // the start will not say "playing"
  const refused = step();
  core.playRefused(refused, "NotAllowedError");
  assert.deepEqual(refused.effects, [
    { kind: "status" },
    { kind: "send", message: { type: "ready", state: "autoplay_blocked" } },
  ]);
  assert.equal(core.follow, "blocked");
  const clicked = step();
  core.playStarted(clicked);
  assert.deepEqual(clicked.effects, [{ kind: "send", message: { type: "ready", state: "ready" } }]);
});

function follower(core: SyncCore): MemberFollower {
  return new MemberFollower(core);
}

Deno.test("member: a play for later is prepared now and started its start-up latency early", () => {
  const core = memberIn({ position: 0, playing: false });
  core.follow = "following";
  const f = follower(core);
  const arrival = step({ currentTime: 0 });
  const target = NOW + OFFSET + 1_000;
  f.schedule(arrival, { position: 20, serverTs: target, playing: true, rate: 1 }, "play");
  assert.deepEqual(arrival.effects, [
    { kind: "seek", to: 20 },
    { kind: "status" },
    { kind: "schedule", timer: "command", delayMs: 1_000 - 30 },
  ]);
  assert.equal(core.follow, "scheduled");
  assert.equal(f.commandScheduled, true);
  assert.equal(core.ours("seeked"), true); // the preparing seek is ours

  // Due on time: the player waits at 20, 30 ms before the target, and starts.
  const due = step({ currentTime: 20 }, NOW + 970);
  f.commandDue(due);
  assert.deepEqual(due.effects, [
    { kind: "status" },
    { kind: "setRate", rate: 1 },
    { kind: "play" },
    { kind: "schedule", timer: "driftCheck", delayMs: 250 },
  ]);
  assert.equal(f.commandScheduled, false);
  assert.equal(core.follow, "following");
});

Deno.test("member: a play that arrives late starts where the timeline will be by then", () => {
  const core = memberIn({ position: 0, playing: false });
  core.follow = "following";
  const f = follower(core);
  const late = step({ currentTime: 20 });
  f.schedule(late, { position: 20, serverTs: NOW + OFFSET - 500, playing: true, rate: 1 }, "play");
  assert.deepEqual(late.effects, [{ kind: "status" }, { kind: "fire", timer: "command" }]);
  const now = step({ currentTime: 20 });
  f.commandDue(now);
  assert.deepEqual(now.effects, [
    { kind: "status" },
    { kind: "seek", to: 20.53 }, // 0.5 s late, plus the 30 ms start-up
    { kind: "setRate", rate: 1 },
    { kind: "play" },
    { kind: "schedule", timer: "driftCheck", delayMs: 250 },
  ]);
});

Deno.test("member: a pause holds at its point at once; a held player only remembers it", () => {
  const core = memberIn({ position: 0, playing: true });
  core.follow = "following";
  const f = follower(core);
  const pause = step({ currentTime: 5, paused: false });
  f.schedule(
    pause,
    { position: 5.2, serverTs: NOW + OFFSET + 800, playing: false, rate: 1 },
    "pause",
  );
  assert.deepEqual(pause.effects, [{ kind: "status" }, { kind: "fire", timer: "command" }]);

  // The user paused their own player: the room's next play is only remembered.
  const heldCore = memberIn({ position: 0, playing: true });
  heldCore.follow = "held";
  const held = step({ currentTime: 5, paused: true });
  const point = { position: 40, serverTs: NOW + OFFSET + 800, playing: true, rate: 1 };
  follower(heldCore).schedule(held, point, "play");
  assert.deepEqual(held.effects, []);
  assert.deepEqual(heldCore.anchor, point);
  // A command still waiting is overtaken by the next.
  f.schedule(step({ currentTime: 5, paused: true }), point, "play");
  assert.equal(f.commandScheduled, true);
});

Deno.test("member: a host's pause carried out by a host keeps its target", () => {
  const core = new SyncCore();
  core.enterRoom(true, { position: 0, serverTs: NOW + OFFSET, playing: true, rate: 1 }, false);
  core.follow = "following";
  const f = follower(core);
  const s = step({ currentTime: 5, paused: false });
  f.schedule(s, { position: 5.2, serverTs: NOW + OFFSET + 800, playing: false, rate: 1 }, "pause");
  assert.deepEqual(s.effects, [
    { kind: "status" },
    { kind: "schedule", timer: "command", delayMs: 800 },
  ]);
});

Deno.test("member: the drift check leans the rate, without the pitch around rate 1, and reports", () => {
  const core = memberIn({ position: 10, playing: true });
  core.follow = "following";
  const f = follower(core);
  core.startDriftLoop(step());
  core.driftLoopFired();
  const s = step({ currentTime: 9.95, paused: false }); // 50 ms behind
  f.driftCheckDue(s);
  assert.deepEqual(s.effects, [
    { kind: "setRate", rate: 1.1, keepPitch: false },
    { kind: "send", message: { type: "report", report: { drift_ms: 50, rate: 1.1 } } },
    { kind: "status" },
    { kind: "schedule", timer: "driftCheck", delayMs: 250 },
  ]);
  assert.equal(core.lastDriftS?.toFixed(3), "0.050");
});

Deno.test("member: a drift beyond the hard-seek threshold is a seek ahead by the seek latency", () => {
  const core = memberIn({ position: 10, playing: true });
  core.follow = "following";
  const f = follower(core);
  const s = step({ currentTime: 9, paused: false });
  f.driftCheckDue(s);
  assert.deepEqual(s.effects, [
    { kind: "seek", to: 10.06 },
    { kind: "status" },
    { kind: "schedule", timer: "driftCheck", delayMs: 250 },
  ]);
  const held = step({ currentTime: 9, paused: false });
  core.follow = "held";
  f.driftCheckDue(held);
  assert.deepEqual(held.effects, []); // the loop ends
});

Deno.test("member: a state update is ignored while a command of ours is on its way", () => {
  const core = memberIn({ position: 0, playing: false });
  core.follow = "following";
  const f = follower(core);
  core.ownCommandUntil = NOW + 100;
  const early = step({ currentTime: 0 }, NOW + 99);
  f.stateUpdate(early, 8, "paused", NOW + OFFSET);
  assert.deepEqual(early.effects, []);
  assert.equal(core.anchor?.position, 0);
  const later = step({ currentTime: 0 }, NOW + 100);
  f.stateUpdate(later, 8, "paused", NOW + OFFSET);
  assert.deepEqual(later.effects, [{ kind: "setRate", rate: 1 }, { kind: "seek", to: 8 }]);
});

Deno.test("member: a rate change for later waits for its target; the timeline takes it then", () => {
  const core = memberIn({ position: 0, playing: true });
  const f = follower(core);
  const change = {
    rate: 1.5,
    playState: "playing",
    targetServerTs: NOW + OFFSET + 400,
    positionAtTarget: 12,
  } as const;
  const announced = step();
  f.rateChanged(announced, change);
  assert.deepEqual(announced.effects, [
    { kind: "schedule", timer: "rateChange", change, delayMs: 400 },
  ]);
  assert.equal(core.rateAt(NOW + OFFSET + 400), 1.5);
  const due = step({}, NOW + 400);
  f.rateDue(due, change);
  assert.deepEqual(due.effects, [{ kind: "setRate", rate: 1.5 }, { kind: "status" }]);
  assert.deepEqual(core.anchor, {
    position: 12,
    serverTs: NOW + OFFSET + 400,
    playing: true,
    rate: 1.5,
  });
  assert.equal(core.nextRate, null);
});

function host(options: { startWithRoom?: boolean } = {}) {
  const core = new SyncCore();
  core.enterRoom(true, { position: 0, serverTs: NOW + OFFSET, playing: false, rate: 1 }, false);
  const f = follower(core);
  return { core, follower: f, reporter: new HostReporter(core, f, options) };
}

Deno.test("host: the user's play is held, and the room hears a deferred play from there", () => {
  const { core, reporter } = host();
  core.follow = "following";
  const s = step({ currentTime: 30, paused: false });
  assert.equal(reporter.mayDeferPlay(s), true);
  reporter.deferPlay(s);
  assert.deepEqual(s.effects, [
    { kind: "setRate", rate: 1 },
    { kind: "pause" },
    { kind: "status" },
    {
      kind: "send",
      message: {
        type: "command",
        action: "play",
        position: 30,
        playState: "playing",
        at: "deferred",
      },
    },
  ]);
  assert.equal(core.follow, "scheduled");
  assert.equal(reporter.awaitingPlay, true);
  assert.equal(reporter.takeAwaitedPlay(), true);
  assert.equal(reporter.awaitingPlay, false);
  assert.equal(host({ startWithRoom: false }).reporter.mayDeferPlay(s), false);
});

Deno.test("host: a pause is told at once, with the position and the server instant read together", () => {
  const { core, reporter } = host();
  core.told = "playing";
  const s = step({ currentTime: 42.5, paused: true });
  reporter.hostEvent(s, "pause");
  assert.deepEqual(s.effects, [{
    kind: "send",
    message: {
      type: "command",
      action: "pause",
      position: 42.5,
      playState: "paused",
      at: NOW + OFFSET,
    },
  }]);
  assert.equal(core.told, "paused");
});

Deno.test("host: a play is told only once the media has run with real time for 50 ms", () => {
  const { reporter } = host({ startWithRoom: false });
  const playing = step({ currentTime: 10, paused: false });
  reporter.hostEvent(playing, "playing");
  assert.deepEqual(playing.effects, [{ kind: "schedule", timer: "movingCheck", delayMs: 10 }]);
  // Standing still for 20 ms (Chromium's media clock after "playing"), then running.
  const positions = [10, 10, 10.01, 10.02, 10.03, 10.04, 10.05];
  let last: Effect[] = [];
  positions.forEach((position, i) => {
    const look = step({ currentTime: position, paused: false }, NOW + 10 * (i + 1));
    reporter.movingCheckDue(look);
    last = look.effects;
    if (i < positions.length - 1) {
      assert.deepEqual(last, [{ kind: "schedule", timer: "movingCheck", delayMs: 10 }]);
    }
  });
  assert.deepEqual(last, [{
    kind: "send",
    message: {
      type: "command",
      action: "play",
      position: 10.05,
      playState: "playing",
      at: NOW + 70 + OFFSET,
    },
  }]);
});

Deno.test("host: the state update waits for our own calls to settle, then goes every second", () => {
  const { core, reporter } = host();
  core.ownSettledAt = NOW - 100;
  const soon = step({ currentTime: 3 });
  reporter.stateTickDue(soon);
  assert.deepEqual(soon.effects, [{ kind: "schedule", timer: "stateTick", delayMs: 1_000 }]);
  const settled = step({ currentTime: 3 }, NOW + 50);
  reporter.stateTickDue(settled);
  assert.deepEqual(settled.effects, [
    {
      kind: "send",
      message: { type: "state", position: 3, playState: "paused", at: NOW + 50 + OFFSET },
    },
    { kind: "schedule", timer: "stateTick", delayMs: 1_000 },
  ]);
});

Deno.test("host: a stall is told as buffering once it outlasts the threshold", () => {
  const { core, reporter } = host();
  core.told = "playing";
  const waiting = step({ currentTime: 8, paused: false });
  reporter.hostEvent(waiting, "waiting");
  reporter.hostEvent(waiting, "waiting"); // one timer at a time
  assert.deepEqual(waiting.effects, [{ kind: "schedule", timer: "hostStall", delayMs: 400 }]);
  const recovered = step({ currentTime: 8, paused: false, canPlay: true }, NOW + 400);
  reporter.stallDue(recovered);
  assert.deepEqual(recovered.effects, []);
  reporter.hostEvent(step({ paused: false }), "waiting");
  const stalled = step({ currentTime: 8, paused: false, canPlay: false }, NOW + 400);
  reporter.stallDue(stalled);
  assert.deepEqual(stalled.effects, [{
    kind: "send",
    message: {
      type: "command",
      action: "buffering",
      position: 8,
      playState: "playing",
      at: NOW + 400 + OFFSET,
    },
  }]);
});

Deno.test("a member who controls: its user's pause is the room's, and it follows its own point", () => {
  const core = memberIn({ position: 0, playing: true });
  core.canControl = true;
  core.follow = "following";
  const f = follower(core);
  const reporter = new HostReporter(core, f);
  core.startDriftLoop(step());
  const s = step({ currentTime: 14, paused: true });
  assert.equal(reporter.userCommand(s, "pause"), true);
  assert.deepEqual(s.effects, [
    { kind: "cancel", timer: "driftCheck" },
    {
      kind: "send",
      message: {
        type: "command",
        action: "pause",
        position: 14,
        playState: "paused",
        at: NOW + OFFSET,
      },
    },
  ]);
  assert.deepEqual(core.anchor, { position: 14, serverTs: NOW + OFFSET, playing: false, rate: 1 });
  assert.equal(core.ownCommandUntil, NOW + 3_000);
  assert.equal(reporter.userCommand(step({ paused: false }), "waiting"), false);
});
