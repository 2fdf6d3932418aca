/**
 * The sync benchmark's arithmetic (bench/sync_analysis.ts): positions read between samples,
 * spreads and offsets at common instants, and the time to converge.
 */
import assert from "node:assert/strict";
import {
  convergenceMs,
  offsetsAt,
  offsetsOver,
  positionAt,
  type Series,
  seriesOf,
  spreadAt,
} from "../../bench/sync_analysis.ts";

/** A page playing from `position` at `fromMs`, sampled every 20 ms for `forMs`. */
function playing(fromMs: number, position: number, forMs: number, rate = 1): number[] {
  const flat: number[] = [];
  for (let t = 0; t <= forMs; t += 20) flat.push(fromMs + t, position + (t / 1000) * rate, 1, rate);
  return flat;
}

const near = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: ${actual}`);

Deno.test("positionAt: moves on by the rate between samples; stands still while not moving", () => {
  const moving = seriesOf(playing(1_000, 10, 1_000));
  near(positionAt(moving, 1_010), 10.01, "between samples");
  near(positionAt(moving, 1_100), 10.1, "on a sample");
  assert.equal(positionAt(moving, 999), null, "before the first sample");
  assert.equal(positionAt(moving, 2_400), null, "long after the last");
  const paused = seriesOf([1_000, 5, 0, 1, 1_020, 5, 0, 1]);
  near(positionAt(paused, 1_030), 5, "paused");
  const fast = seriesOf(playing(0, 0, 200, 1.1));
  near(positionAt(fast, 110), 0.11 * 1.1, "at rate 1.1");
});

Deno.test("spreadAt and offsetsAt: all pages at one instant", () => {
  const host = seriesOf(playing(0, 10, 2_000));
  const ahead = seriesOf(playing(5, 10.025, 2_000)); // 20 ms ahead of the host
  const behind = seriesOf(playing(13, 9.99, 2_000)); // 23 ms behind
  near(spreadAt([host, ahead, behind], 1_000), 43, "spread");
  const offsets = offsetsAt(host, [ahead, behind], 1_000)!;
  near(offsets[0]!, 20, "ahead");
  near(offsets[1]!, -23, "behind");
  assert.equal(spreadAt([host, seriesOf([])], 1_000), null, "a page with no samples");
});

Deno.test("convergenceMs: from when every member is within the bound and stays there", () => {
  const host = seriesOf(playing(0, 0, 5_000));
  // 100 ms behind until 800 ms, then on the host.
  const member: Series = seriesOf([
    ...playing(0, -0.1, 780),
    ...playing(800, 0.8, 4_200),
  ]);
  const options = { withinMs: 20, holdMs: 1_000, stepMs: 10 };
  assert.equal(convergenceMs(host, [member], 0, 5_000, options), 800);
  // Never within 20 ms: null.
  const off = seriesOf(playing(0, 0.05, 5_000));
  assert.equal(convergenceMs(host, [off], 0, 5_000, options), null);
  // Within the bound but only for a moment, then off again: not converged there.
  const flicker = seriesOf([
    ...playing(0, 0, 180),
    ...playing(200, 0.3, 4_800),
  ]);
  assert.equal(convergenceMs(host, [flicker], 0, 5_000, options), null);
});

Deno.test("offsetsOver: one list per member over a window", () => {
  const host = seriesOf(playing(0, 0, 2_000));
  const member = seriesOf(playing(0, 0.01, 2_000));
  const [offsets] = offsetsOver(host, [member], 500, 1_500, 100);
  assert.equal(offsets!.length, 11);
  for (const offset of offsets!) near(offset, 10, "10 ms ahead");
});
