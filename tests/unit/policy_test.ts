import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import {
  advance,
  judgeStateUpdate,
  type Playback,
  positionAt,
  rateAt,
} from "../../rooms/policy.ts";

const T = DEFAULT_TIMINGS;
const NOW = 1_000_000;
const playing: Playback = { position: 100, playState: "playing", anchorTs: NOW - 10_000, rate: 1 };
const quiet = {
  now: NOW,
  playback: playing,
  pendingPlay: false,
  lastTargetTs: null,
  lastCommandTs: null,
  lastStateTs: null,
};

Deno.test("positionAt extrapolates a playing room from its anchor and freezes a paused one", () => {
  assert.equal(positionAt(playing, NOW), 110);
  assert.equal(positionAt({ ...playing, playState: "paused" }, NOW), 100);
  // Before the target instant nobody has started yet: the position does not run backwards.
  assert.equal(positionAt({ ...playing, anchorTs: NOW + 1_500 }, NOW), 100);
  // A play still waiting for members has no anchor.
  assert.equal(positionAt({ ...playing, anchorTs: null }, NOW), 100);
  assert.equal(
    positionAt({ position: 86_399, playState: "playing", anchorTs: 0, rate: 1 }, NOW),
    86_400,
  );
  // At the room's playback rate.
  assert.equal(positionAt({ ...playing, rate: 1.5 }, NOW), 115);
});

Deno.test("a pending rate switch: the old rate up to its instant, the new one after", () => {
  // 1.5 from NOW + 300 (a set_rate's target); 1 before it.
  const switching: Playback = {
    ...playing,
    anchorTs: NOW,
    rate: 1.5,
    rateSwitch: { atTs: NOW + 300, rateBefore: 1 },
  };
  assert.equal(positionAt(switching, NOW + 200), 100.2);
  assert.equal(positionAt(switching, NOW + 1_300), 100 + 0.3 + 1.5);
  assert.equal(rateAt(switching, NOW + 299), 1);
  assert.equal(rateAt(switching, NOW + 300), 1.5);
  // An anchor after the switch: the new rate all the way.
  assert.equal(advance(50, NOW + 500, NOW + 1_500, switching), 51.5);
  // A command anchored before the switch (a play right behind the change).
  assert.equal(advance(50, NOW + 100, NOW + 1_100, switching), 51.4); // 0.2 s at 1, 0.8 at 1.5
  // Never backwards.
  assert.equal(advance(50, NOW + 1_000, NOW, switching), 50);
});

Deno.test("state_update filter 1: a change of play_state is always accepted", () => {
  const context = { ...quiet, lastCommandTs: NOW, lastStateTs: NOW };
  assert.equal(judgeStateUpdate(context, 100, "paused", T), "accept");
});

Deno.test("state_update filter 2: dropped within COMMAND_COOLDOWN_MS of a player_event", () => {
  const at = (lastCommandTs: number) =>
    judgeStateUpdate({ ...quiet, lastCommandTs }, 105, "playing", T);
  assert.equal(at(NOW - T.commandCooldownMs + 1), "drop_cooldown");
  assert.equal(at(NOW - T.commandCooldownMs), "accept");
});

Deno.test("state_update filter 3: dropped within MIN_STATE_UPDATE_INTERVAL_MS of the last accepted", () => {
  const at = (lastStateTs: number) =>
    judgeStateUpdate({ ...quiet, lastStateTs }, 105, "playing", T);
  assert.equal(at(NOW - T.minStateUpdateIntervalMs + 1), "drop_interval");
  assert.equal(at(NOW - T.minStateUpdateIntervalMs), "accept");
});

Deno.test("state_update filter 4: a backward move of up to 2 s is jitter, more is a real seek", () => {
  assert.equal(judgeStateUpdate(quiet, 98, "playing", T), "drop_jitter");
  assert.equal(judgeStateUpdate(quiet, 97.999, "playing", T), "accept");
});

Deno.test("state_update filter 5: a forward move under 0.5 s is not worth relaying", () => {
  assert.equal(judgeStateUpdate(quiet, 100.499, "playing", T), "drop_jitter");
  assert.equal(judgeStateUpdate(quiet, 100.5, "playing", T), "accept");
  assert.equal(judgeStateUpdate(quiet, 100, "playing", T), "drop_jitter");
});
