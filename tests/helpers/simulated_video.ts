/**
 * A video element reduced to its clockwork: a position that advances at `rate` while playing,
 * on explicit instants (milliseconds of whatever clock the test runs), so the arithmetic of a
 * sync client can be checked exactly, without a browser.
 */
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
