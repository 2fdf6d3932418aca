/**
 * Latency samples and their summary. Every sample is kept (a Float64Array that grows by
 * doubling): a 30 s run at a few thousand deliveries a second is a few MB, and exact
 * percentiles beat a histogram's bucket error when the question is "p99 under 25 ms?".
 */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export const EMPTY_SUMMARY: LatencySummary = Object.freeze({
  count: 0,
  mean: 0,
  p50: 0,
  p95: 0,
  p99: 0,
  max: 0,
});

export class LatencySamples {
  #values: Float64Array;
  #count = 0;

  constructor(initialCapacity = 1_024) {
    this.#values = new Float64Array(Math.max(1, initialCapacity));
  }

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = value;
  }

  /** The samples, copied: safe to post to another worker or to sort. */
  toArray(): Float64Array {
    return this.#values.slice(0, this.#count);
  }

  static from(values: ArrayLike<number>): LatencySamples {
    const samples = new LatencySamples(values.length);
    for (let i = 0; i < values.length; i++) samples.add(values[i]!);
    return samples;
  }

  merge(other: LatencySamples | ArrayLike<number>): void {
    const values = other instanceof LatencySamples ? other.toArray() : other;
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  summary(): LatencySummary {
    return summarize(this.toArray());
  }
}

/**
 * Nearest-rank percentile of sorted values: the smallest value with at least p% of the samples
 * at or below it. No interpolation, so every reported figure is a latency that happened.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarize(values: Float64Array): LatencySummary {
  if (values.length === 0) return EMPTY_SUMMARY;
  const sorted = values.slice().sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** Counts by key (errors by message, deliveries by type); mergeable across workers. */
export class Tally {
  readonly counts: Record<string, number> = {};

  add(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }

  get(key: string): number {
    return this.counts[key] ?? 0;
  }

  merge(other: Record<string, number>): void {
    for (const [key, value] of Object.entries(other)) this.add(key, value);
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
