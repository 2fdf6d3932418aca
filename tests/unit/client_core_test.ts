/**
 * The sync client's pure core: the clock estimator (seeded jitter, asymmetric paths, a clock
 * step), the drift controller, reconnect backoff and the latency learner.
 */
import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF } from "../../client/core/backoff.ts";
import { ClockEstimator } from "../../client/core/clock_estimator.ts";
import { DEFAULT_DRIFT_OPTIONS, DriftController } from "../../client/core/drift_controller.ts";
import { LatencyLearner } from "../../client/core/latency_learner.ts";
import { timelinePosition } from "../../client/core/timeline.ts";
import { seededRandom } from "../helpers/random.ts";

/** Feeds `count` pings over a path (one-way delays up/down ± jitter) to an estimator. */
function ping(
  estimator: ClockEstimator,
  options: {
    trueOffsetMs: number;
    upMs: number;
    downMs: number;
    jitterMs: number;
    count: number;
    seed: number;
    startMs?: number;
  },
) {
  const random = seededRandom(options.seed);
  let local = options.startMs ?? 1_000_000;
  for (let i = 0; i < options.count; i++) {
    const up = options.upMs + (random() * 2 - 1) * options.jitterMs;
    const down = options.downMs + (random() * 2 - 1) * options.jitterMs;
    const serverTs = local + up + options.trueOffsetMs;
    estimator.addSample(local, serverTs, local + up + down);
    local += 500;
  }
  return local;
}

Deno.test("clock: on a symmetric jittered path the estimate lands within a few ms of the truth", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const estimator = new ClockEstimator();
    ping(estimator, {
      trueOffsetMs: 12_345,
      upMs: 20,
      downMs: 20,
      jitterMs: 5,
      count: 30,
      seed,
    });
    const estimate = estimator.estimate!;
    const error = estimate.offsetMs - 12_345;
    assert.ok(Math.abs(error) <= 3, `seed ${seed}: error ${error} ms`);
    assert.ok(estimate.uncertaintyMs >= Math.abs(error), "the uncertainty covers the error");
  }
});

Deno.test("clock: an asymmetric path biases the estimate by half the asymmetry, within the stated uncertainty", () => {
  const estimator = new ClockEstimator();
  // 100 ms up, 60 ms down: no round-trip measurement can see the 20 ms bias.
  ping(estimator, { trueOffsetMs: -400, upMs: 100, downMs: 60, jitterMs: 30, count: 40, seed: 9 });
  const estimate = estimator.estimate!;
  const error = estimate.offsetMs - -400;
  assert.ok(Math.abs(error - 20) <= 15, `error ${error} ms, expected about +20`);
  assert.ok(estimate.uncertaintyMs >= Math.abs(error), `uncertainty ${estimate.uncertaintyMs}`);
});

Deno.test("clock: the lowest round trips win: a burst of slow samples does not move it", () => {
  const estimator = new ClockEstimator();
  const local = ping(estimator, {
    trueOffsetMs: 0,
    upMs: 5,
    downMs: 5,
    jitterMs: 1,
    count: 12,
    seed: 3,
  });
  const before = estimator.estimate!.offsetMs;
  // Queued behind a big frame: 400 ms up, 2 ms down, three times.
  for (let i = 0; i < 3; i++) estimator.addSample(local + i, local + i + 400, local + i + 402);
  assert.ok(Math.abs(estimator.estimate!.offsetMs - before) < 2);
});

Deno.test("clock: a step is followed after three contradicting samples, not before", () => {
  const estimator = new ClockEstimator();
  let local = ping(estimator, {
    trueOffsetMs: 0,
    upMs: 10,
    downMs: 10,
    jitterMs: 2,
    count: 16,
    seed: 4,
  });
  // The server's clock jumps 2 s ahead (a new server, say).
  for (let i = 0; i < 2; i++, local += 500) {
    estimator.addSample(local, local + 10 + 2_000, local + 20);
  }
  assert.ok(Math.abs(estimator.estimate!.offsetMs) < 5, "two samples are not yet a step");
  estimator.addSample(local, local + 10 + 2_000, local + 20);
  assert.ok(Math.abs(estimator.estimate!.offsetMs - 2_000) < 5, "the third confirms it");
});

Deno.test("clock: pings come fast until warmed up, then slow once the estimate is good", () => {
  const estimator = new ClockEstimator();
  assert.equal(estimator.nextPingDelayMs(), 150);
  ping(estimator, { trueOffsetMs: 0, upMs: 3, downMs: 3, jitterMs: 1, count: 8, seed: 1 });
  assert.equal(estimator.nextPingDelayMs(), 4_000);
  const noisy = new ClockEstimator();
  ping(noisy, { trueOffsetMs: 0, upMs: 80, downMs: 80, jitterMs: 30, count: 8, seed: 1 });
  assert.equal(noisy.nextPingDelayMs(), 1_000);
});

Deno.test("drift: dead zone, proportional lean within bounds, hysteresis, hard seek", () => {
  const o = DEFAULT_DRIFT_OPTIONS;
  const drift = new DriftController();
  assert.deepEqual(drift.decide(0.01, 0), { kind: "rate", rate: 1 });
  const lean = drift.decide(0.03, 0);
  assert.equal(lean.kind, "rate");
  assert.ok(lean.kind === "rate" && Math.abs(lean.rate - (1 + 0.03 * o.gainPerS)) < 1e-9);
  // Inside the dead zone but not yet settled: keeps leaning (no flapping at the edge).
  const keep = drift.decide(0.01, 0);
  assert.ok(keep.kind === "rate" && keep.rate > 1);
  assert.deepEqual(drift.decide(0.004, 0), { kind: "rate", rate: 1 });
  // Ahead: slows down, never below 1 - maxRateChange.
  const slow = drift.decide(-0.4, 0);
  assert.ok(slow.kind === "rate" && Math.abs(slow.rate - (1 - o.maxRateChange)) < 1e-9);
  // Too far: a seek, then quiet while the player settles.
  assert.deepEqual(drift.decide(0.6, 1_000), { kind: "seek" });
  assert.deepEqual(drift.decide(0.6, 1_000 + o.seekSettleMs - 1), { kind: "wait" });
  assert.deepEqual(drift.decide(0.6, 1_000 + o.seekSettleMs), { kind: "seek" });
});

Deno.test("drift: after a start, a quiet moment, then a trim window with a small dead zone", () => {
  const o = DEFAULT_DRIFT_OPTIONS;
  const drift = new DriftController();
  drift.started(1_000);
  assert.deepEqual(drift.decide(0.01, 1_000 + o.startSettleMs - 1), { kind: "wait" });
  // 10 ms behind: inside the steady dead zone, but trimmed now, at the trim's gain.
  const trim = drift.decide(0.01, 1_000 + o.startSettleMs);
  assert.ok(trim.kind === "rate" && Math.abs(trim.rate - (1 + 0.01 * o.trimGainPerS)) < 1e-9);
  // Gentler than a steady lean may be: 20 ms ahead is trimmed at the trim's cap...
  const capped = drift.decide(-0.02, 1_000 + o.startSettleMs + 10);
  assert.ok(capped.kind === "rate" && Math.abs(capped.rate - (1 - o.trimMaxRateChange)) < 1e-9);
  // ...but a miss too large for a trim (a cold start) gets the steady lean.
  const large = drift.decide(-0.1, 1_000 + o.startSettleMs + 15);
  assert.ok(large.kind === "rate" && Math.abs(large.rate - (1 - o.maxRateChange)) < 1e-9);
  assert.deepEqual(drift.decide(0.0005, 1_000 + o.startSettleMs + 20), { kind: "rate", rate: 1 });
  // After the window, the steady dead zone again: 10 ms is left alone.
  const after = 1_000 + o.startSettleMs + o.trimWindowMs;
  assert.deepEqual(drift.decide(0.01, after), { kind: "rate", rate: 1 });
  // A seek opens a window too, after its own settle; a reset closes it.
  drift.seeked(10_000);
  assert.deepEqual(drift.decide(0.01, 10_000 + o.seekSettleMs - 1), { kind: "wait" });
  assert.ok(drift.decide(0.01, 10_000 + o.seekSettleMs).kind === "rate");
  drift.reset();
  assert.deepEqual(drift.decide(0.01, 10_000 + o.seekSettleMs + 1), { kind: "rate", rate: 1 });
});

Deno.test("backoff: exponential, capped, fully jittered, never below the minimum", () => {
  assert.equal(backoffDelay(0, () => 1), DEFAULT_BACKOFF.baseMs);
  assert.equal(backoffDelay(3, () => 1), DEFAULT_BACKOFF.baseMs * 8);
  assert.equal(backoffDelay(50, () => 1), DEFAULT_BACKOFF.maxMs);
  assert.equal(backoffDelay(5, () => 0), DEFAULT_BACKOFF.minMs);
  const random = seededRandom(7);
  const delays = Array.from({ length: 200 }, () => backoffDelay(10, random));
  assert.ok(delays.every((d) => d >= DEFAULT_BACKOFF.minMs && d <= DEFAULT_BACKOFF.maxMs));
  assert.ok(new Set(delays).size > 150, "spread out, not all at one instant");
});

Deno.test("latency learner: first measurement taken, later averaged, absurd ones ignored", () => {
  const learner = new LatencyLearner(30);
  learner.add(50);
  assert.equal(learner.estimateMs, 50);
  learner.add(60);
  assert.equal(learner.estimateMs, 53);
  learner.add(5_000);
  learner.add(-1);
  assert.equal(learner.estimateMs, 53);
  assert.equal(learner.measurements, 2);
});

Deno.test("timeline: advances while playing, holds while paused, never below 0", () => {
  const point = { position: 10, serverTs: 1_000, playing: true, rate: 1 };
  assert.equal(timelinePosition(point, 3_000), 12);
  assert.equal(timelinePosition({ ...point, playing: false }, 3_000), 10);
  assert.equal(timelinePosition({ ...point, rate: 2 }, 2_000), 12);
  assert.equal(timelinePosition(point, -100_000), 0);
});
