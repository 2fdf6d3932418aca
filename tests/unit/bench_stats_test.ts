import assert from "node:assert/strict";
import { LatencySamples, percentile, summarize, Tally } from "../../bench/stats.ts";

Deno.test("percentile is nearest-rank: always a sample that happened", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(sorted, 50), 5);
  assert.equal(percentile(sorted, 95), 10);
  assert.equal(percentile(sorted, 99), 10);
  assert.equal(percentile(sorted, 10), 1);
  assert.equal(percentile(sorted, 11), 2);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile(sorted, 100), 10);
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([7], 99), 7);
});

Deno.test("p99 of 1..1000 is 990, p95 is 950, max 1000, mean 500.5", () => {
  const samples = new LatencySamples(4); // grows past its first capacity
  for (let i = 1000; i >= 1; i--) samples.add(i); // unsorted input
  const summary = samples.summary();
  assert.deepEqual(summary, { count: 1000, mean: 500.5, p50: 500, p95: 950, p99: 990, max: 1000 });
});

Deno.test("a summary sorts numerically, not as strings", () => {
  const summary = summarize(new Float64Array([10, 9, 100, 2.5]));
  assert.equal(summary.max, 100);
  assert.equal(summary.p50, 9);
});

Deno.test("merging samples from several workers equals one recorder of them all", () => {
  const a = LatencySamples.from([5, 1, 3]);
  const b = LatencySamples.from([2, 4]);
  a.merge(b);
  a.merge(new Float64Array([6]));
  assert.deepEqual([...a.toArray()].sort(), [1, 2, 3, 4, 5, 6]);
  assert.equal(a.summary().p50, 3);
  assert.deepEqual(new LatencySamples().summary().count, 0);
});

Deno.test("a tally counts, merges and totals", () => {
  const tally = new Tally();
  tally.add("Room is full");
  tally.add("Room is full");
  tally.merge({ "Room is full": 1, "Rate limit exceeded": 4 });
  assert.equal(tally.get("Room is full"), 3);
  assert.equal(tally.total(), 7);
  assert.equal(tally.get("other"), 0);
});
