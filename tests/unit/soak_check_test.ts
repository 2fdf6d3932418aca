import assert from "node:assert/strict";
import { assessSoak, slope, type SoakSample } from "../../bench/soak_check.ts";

const at = (cycles: number, rssMB: number, counts: Partial<SoakSample> = {}): SoakSample => ({
  t: cycles / 1000,
  cycles,
  rssMB,
  heapMB: rssMB / 2,
  rooms: 10,
  connections: 128,
  lobby: 0,
  timers: 3,
  ...counts,
});
const idle = { rooms: 0, connections: 0, timers: 0 };

Deno.test("slope is the least-squares trend", () => {
  assert.equal(slope([[0, 1], [1, 3], [2, 5]]), 2);
  assert.equal(slope([[5, 1]]), 0);
});

Deno.test("a flat curve whose counts return passes", () => {
  const samples = [at(0, 60, idle)];
  for (let c = 10_000; c <= 100_000; c += 10_000) samples.push(at(c, 100 + (c % 20_000 ? 2 : -2)));
  samples.push(at(100_000, 98, idle));
  const verdict = assessSoak(samples, 100_000);
  assert.ok(verdict.ok, verdict.lines.join("\n"));
  assert.equal(verdict.warmRssMB, 102);
});

Deno.test("a creeping RSS or a count left behind fails", () => {
  const creeping = [at(0, 60, idle)];
  for (let c = 10_000; c <= 100_000; c += 10_000) creeping.push(at(c, 100 + c / 2_000));
  creeping.push(at(100_000, 150, idle));
  assert.equal(assessSoak(creeping, 100_000).ok, false);

  const flat = [at(0, 60, idle), at(10_000, 100), at(100_000, 100)];
  assert.equal(assessSoak([...flat, at(100_000, 100, { ...idle, timers: 1 })], 100_000).ok, false);
  assert.equal(assessSoak([...flat, at(100_000, 100, { ...idle, rooms: 1 })], 100_000).ok, false);
  assert.ok(assessSoak([...flat, at(100_000, 100, idle)], 100_000).ok);
});
