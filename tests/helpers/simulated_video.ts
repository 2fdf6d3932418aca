/**
 * A video element reduced to its clockwork: a position that advances at `rate` while playing,
 * on explicit instants (milliseconds of whatever clock the test runs), so the arithmetic of a
 * sync client can be checked exactly, without a browser.
 */
import type { ManualClock } from "../../rooms/clock.ts";
import { LegacyClient } from "./legacy_client.ts";

export class SimulatedVideo {
  #position: number;
  #since: number;
  #paused = true;
  #rate = 1;

  constructor(position: number, now: number) {
    this.#position = position;
    this.#since = now;
  }

  currentTime(now: number): number {
    if (this.#paused) return this.#position;
    return this.#position + ((now - this.#since) / 1000) * this.#rate;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get rate(): number {
    return this.#rate;
  }

  play(now: number): void {
    this.#settle(now);
    this.#paused = false;
  }

  pause(now: number): void {
    this.#settle(now);
    this.#paused = true;
  }

  seek(now: number, position: number): void {
    this.#since = now;
    this.#position = position;
  }

  setRate(now: number, rate: number): void {
    this.#settle(now);
    this.#rate = rate;
  }

  #settle(now: number): void {
    this.#position = this.currentTime(now);
    this.#since = now;
  }
}

/** An upstream-client double on a simulated video, on a test's ManualClock. */
export function simulatedLegacyClient(
  id: string,
  isHost: boolean,
  clock: ManualClock,
  startPosition: number,
): LegacyClient {
  const { video, clock: legacyClock } = legacyOnClock(clock, startPosition);
  return new LegacyClient(id, isHost, video, legacyClock);
}

/** A simulated video and the test's clock in the shape the upstream-client double drives. */
function legacyOnClock(
  clock: { now(): number; setTimer(delayMs: number, fire: () => void): unknown },
  startPosition: number,
) {
  const video = new SimulatedVideo(startPosition, clock.now());
  return {
    simulated: video,
    video: {
      currentTime: () => video.currentTime(clock.now()),
      get paused() {
        return video.paused;
      },
      play: () => video.play(clock.now()),
      pause: () => video.pause(clock.now()),
      seek: (position: number) => video.seek(clock.now(), position),
    },
    clock: {
      serverNow: () => clock.now(),
      setTimer: (delayMs: number, fire: () => void) => void clock.setTimer(delayMs, fire),
    },
  };
}
