/**
 * The sync benchmark's arithmetic, pure: every page's position series on the one machine
 * clock, read at common instants, and the figures made from them (start spread, steady drift,
 * time to converge). Tested in tests/unit/sync_analysis_test.ts.
 */

/** One page's playback, sampled: instants (machine-clock ms) ascending. */
export interface Series {
  readonly atMs: Float64Array;
  readonly position: Float64Array;
  /** 1 while the media moves (playing, not seeking), else 0. */
  readonly moving: Uint8Array;
  readonly rate: Float64Array;
}

/** A flat probe array (atMs, position, moving, rate per sample) as a Series. */
export function seriesOf(flat: readonly number[]): Series {
  const n = Math.floor(flat.length / 4);
  const series = {
    atMs: new Float64Array(n),
    position: new Float64Array(n),
    moving: new Uint8Array(n),
    rate: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    series.atMs[i] = flat[i * 4]!;
    series.position[i] = flat[i * 4 + 1]!;
    series.moving[i] = flat[i * 4 + 2]! ? 1 : 0;
    series.rate[i] = flat[i * 4 + 3]!;
  }
  return series;
}

/** Index of the last sample at or before `atMs` (-1 when none). */
function lastAtOrBefore(series: Series, atMs: number): number {
  let lo = 0;
  let hi = series.atMs.length - 1;
  if (hi < 0 || series.atMs[0]! > atMs) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (series.atMs[mid]! <= atMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The page's position (s) at `atMs`: the last sample before it, moved on by its rate when the
 * media was moving. Null outside the series, or when the last sample is older than `staleMs`
 * (a page that stopped answering).
 */
export function positionAt(series: Series, atMs: number, staleMs = 250): number | null {
  const i = lastAtOrBefore(series, atMs);
  if (i < 0) return null;
  const age = atMs - series.atMs[i]!;
  if (age > staleMs) return null;
  const position = series.position[i]!;
  return series.moving[i] ? position + (age / 1000) * series.rate[i]! : position;
}

/** max − min of every page's position at `atMs`, ms (null when a page has none). */
export function spreadAt(pages: readonly Series[], atMs: number): number | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const page of pages) {
    const position = positionAt(page, atMs);
    if (position === null) return null;
    min = Math.min(min, position);
    max = Math.max(max, position);
  }
  return (max - min) * 1000;
}

/** Each member's position minus the host's at `atMs`, ms (null when any is unknown). */
export function offsetsAt(host: Series, members: readonly Series[], atMs: number): number[] | null {
  const reference = positionAt(host, atMs);
  if (reference === null) return null;
  const offsets: number[] = [];
  for (const member of members) {
    const position = positionAt(member, atMs);
    if (position === null) return null;
    offsets.push((position - reference) * 1000);
  }
  return offsets;
}

export interface ConvergenceOptions {
  /** Every member within this of the host (ms)... */
  readonly withinMs: number;
  /** ...and staying there this long (ms; cut short by `untilMs`)... */
  readonly holdMs: number;
  /** ...looked at every stepMs. */
  readonly stepMs: number;
}

/**
 * How long after `fromMs` every member is within `withinMs` of the host and stays there for
 * `holdMs` (or until `untilMs`), in ms; null when that never happens before `untilMs`.
 */
export function convergenceMs(
  host: Series,
  members: readonly Series[],
  fromMs: number,
  untilMs: number,
  options: ConvergenceOptions,
): number | null {
  let since: number | null = null;
  for (let at = fromMs; at <= untilMs; at += options.stepMs) {
    const offsets = offsetsAt(host, members, at);
    const inside = offsets !== null && offsets.every((o) => Math.abs(o) <= options.withinMs);
    if (!inside) {
      since = null;
      continue;
    }
    since ??= at;
    if (at - since >= options.holdMs) return since - fromMs;
  }
  return since === null ? null : since - fromMs;
}

/** Every member's offset from the host at every `stepMs` in [fromMs, untilMs], ms. */
export function offsetsOver(
  host: Series,
  members: readonly Series[],
  fromMs: number,
  untilMs: number,
  stepMs: number,
): number[][] {
  const perMember: number[][] = members.map(() => []);
  for (let at = fromMs; at <= untilMs; at += stepMs) {
    const offsets = offsetsAt(host, members, at);
    if (!offsets) continue;
    offsets.forEach((offset, i) => perMember[i]!.push(offset));
  }
  return perMember;
}
