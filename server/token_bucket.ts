/**
 * A token bucket: `perPeriod` tokens come back every `periodMs`, up to `capacity`. Amounts are
 * kept in units of 1/periodMs of a token, so a refill adds whole numbers and "one token every
 * 2 s" is exact, never 0.9999 of a token. No timers: the level is brought up to date on use.
 */
export class TokenBucket {
  readonly #unitsPerToken: number;
  readonly #capacityUnits: number;
  #units: number;
  #updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly perPeriod: number,
    readonly periodMs: number,
    now: number,
  ) {
    this.#unitsPerToken = periodMs;
    this.#capacityUnits = capacity * periodMs;
    this.#units = this.#capacityUnits;
    this.#updatedAt = now;
  }

  /** Takes one token; false (and nothing taken) when there is none. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#units < this.#unitsPerToken) return false;
    this.#units -= this.#unitsPerToken;
    return true;
  }

  /** Whole tokens in the bucket now. */
  level(now: number): number {
    this.#refill(now);
    return Math.floor(this.#units / this.#unitsPerToken);
  }

  /** Milliseconds until the bucket is full again (0 when it is). */
  msUntilFull(now: number): number {
    this.#refill(now);
    return Math.ceil((this.#capacityUnits - this.#units) / this.perPeriod);
  }

  #refill(now: number): void {
    if (now <= this.#updatedAt) return;
    const added = (now - this.#updatedAt) * this.perPeriod;
    this.#units = Math.min(this.#capacityUnits, this.#units + added);
    this.#updatedAt = now;
  }
}
