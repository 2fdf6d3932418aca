import assert from "node:assert/strict";
import { type Clock, ManualClock, type TimerId } from "../../rooms/clock.ts";
import { DeadlineTimer, MAX_TIMER_DELAY_MS } from "../../server/deadline_timer.ts";

/** A ManualClock that remembers every delay asked of it. */
class RecordingClock implements Clock {
  readonly inner = new ManualClock();
  readonly delays: number[] = [];
  now(): number {
    return this.inner.now();
  }
  setTimer(delayMs: number, fire: () => void): TimerId {
    this.delays.push(delayMs);
    return this.inner.setTimer(delayMs, fire);
  }
  clearTimer(id: TimerId): void {
    this.inner.clearTimer(id);
  }
}

Deno.test("a deadline fires at its instant, not before; set() replaces it; clear() cancels", () => {
  const clock = new ManualClock();
  let fired = 0;
  const timer = new DeadlineTimer(clock, () => fired++);
  timer.set(clock.now() + 1_000);
  timer.set(clock.now() + 5_000);
  clock.advance(4_999);
  assert.equal(fired, 0);
  clock.advance(1);
  assert.equal(fired, 1);
  assert.ok(!timer.armed);
  timer.set(clock.now() - 10); // already past: fires on the next turn of the clock
  clock.advance(0);
  assert.equal(fired, 2);
  timer.set(clock.now() + 1_000);
  timer.clear();
  clock.advance(10_000);
  assert.equal(fired, 2);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("a deadline months away is reached in steps no runtime timer overflows", () => {
  const clock = new RecordingClock();
  let fired = 0;
  const timer = new DeadlineTimer(clock, () => fired++);
  const ninetyDays = 90 * 24 * 3_600_000;
  timer.set(clock.now() + ninetyDays);
  clock.inner.advance(ninetyDays - 1);
  assert.equal(fired, 0);
  clock.inner.advance(1);
  assert.equal(fired, 1);
  // Three of the longest delays a runtime timer takes, then the rest: four timers in all.
  const longest = MAX_TIMER_DELAY_MS;
  assert.deepEqual(clock.delays, [longest, longest, longest, ninetyDays - 3 * longest]);
});
