/** A manual clock as the sync client's LocalClock (client/ports.ts): its time, its timers. */
import type { LocalClock } from "../../client/ports.ts";
import type { ManualClock } from "../../rooms/clock.ts";

export function localClockOf(clock: ManualClock): LocalClock {
  return {
    now: () => clock.now(),
    setTimeout: (fire, delayMs) => clock.setTimer(delayMs, fire) as number,
    clearTimeout: (handle) => clock.clearTimer(handle),
  };
}
