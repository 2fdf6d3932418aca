/**
 * How long this player takes to do something (start playing, finish a seek), learned from
 * what it did before: the first measurement is taken as it is, later ones are averaged in, and
 * absurd ones (a tab in the background, a stall) are ignored. The sync client starts its
 * player that much early, so the media is moving at the target instant rather than after it.
 */
export class LatencyLearner {
  #estimateMs: number;
  #measured = 0;

  constructor(
    initialMs: number,
    readonly maxMs = 1_000,
    readonly weight = 0.3,
  ) {
    this.#estimateMs = initialMs;
  }

  get estimateMs(): number {
    return this.#estimateMs;
  }

  get measurements(): number {
    return this.#measured;
  }

  add(measuredMs: number): void {
    if (!Number.isFinite(measuredMs) || measuredMs < 0 || measuredMs > this.maxMs) return;
    this.#estimateMs = this.#measured === 0
      ? measuredMs
      : this.#estimateMs + (measuredMs - this.#estimateMs) * this.weight;
    this.#measured++;
  }
}
