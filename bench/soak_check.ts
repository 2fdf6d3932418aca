/**
 * The soak's verdict from its curve: counts must be back where they started, and memory must not
 * creep. RSS is judged against the warm process (a quarter into the run: code compiled, heap grown to
 * its working size), not the fresh one, and by its trend over the second half, where a leak of a
 * few bytes a cycle shows as a slope while GC's saw-tooth averages out.
 */
export interface SoakSample {
  /** Seconds since the soak started. */
  readonly t: number;
  /** Cycles completed when sampled. */
  readonly cycles: number;
  readonly rssMB: number;
  readonly heapMB: number;
  readonly rooms: number;
  readonly connections: number;
  readonly lobby: number;
  readonly timers: number;
}

/** RSS growth allowed over the second half of the run, at least this many MB… */
export const RSS_GROWTH_FLOOR_MB = 8;
/** …or this share of the warm RSS, whichever is larger. */
export const RSS_GROWTH_SHARE = 0.05;

export interface SoakVerdict {
  readonly ok: boolean;
  readonly warmRssMB: number;
  readonly endRssMB: number;
  readonly peakRssMB: number;
  /** Least-squares slope of RSS over cycles in the second half, in KB per 1,000 cycles. */
  readonly rssSlopeKBPer1000: number;
  readonly lines: readonly string[];
}

/** Least-squares slope of y over x (0 with fewer than two distinct x). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function assessSoak(samples: readonly SoakSample[], cycles: number): SoakVerdict {
  const begin = samples[0]!;
  const end = samples.at(-1)!;
  const warm = samples.find((s) => s.cycles >= cycles * 0.25) ?? end;
  const running = samples.filter((s) => s.cycles >= cycles / 2 && s.cycles < cycles);
  const slopeMBPerCycle = slope(running.map((s) => [s.cycles, s.rssMB] as const));
  const growthMB = slopeMBPerCycle * (cycles / 2);
  const allowedMB = Math.max(RSS_GROWTH_FLOOR_MB, warm.rssMB * RSS_GROWTH_SHARE);
  const peak = Math.max(...samples.map((s) => s.rssMB));
  const checks: [string, boolean][] = [
    [`rooms back to ${begin.rooms}: ${end.rooms}`, end.rooms === begin.rooms],
    [`connections back to ${begin.connections}: ${end.connections}`, end.connections === 0],
    [`lobby back to ${begin.lobby}: ${end.lobby}`, end.lobby === begin.lobby],
    [`timers back to ≤ ${begin.timers}: ${end.timers}`, end.timers <= begin.timers],
    [
      `RSS at the end ${end.rssMB.toFixed(1)} MB ≤ warm ${warm.rssMB.toFixed(1)} MB + ${
        allowedMB.toFixed(1)
      } MB`,
      end.rssMB <= warm.rssMB + allowedMB,
    ],
    [
      `RSS trend over the second half ${growthMB.toFixed(1)} MB (${
        (slopeMBPerCycle * 1024 * 1000).toFixed(2)
      } KB per 1,000 cycles) ≤ ${allowedMB.toFixed(1)} MB`,
      growthMB <= allowedMB,
    ],
  ];
  const lines = [
    "curve (share of cycles: RSS / heap MB, rooms, connections, timers):",
    ...[0, 0.1, 0.25, 0.5, 0.75, 1].map((share) => {
      const s = samples.find((x) => x.cycles >= cycles * share) ?? end;
      return `  ${(share * 100).toFixed(0).padStart(3)}% ${String(s.cycles).padStart(8)} ` +
        `at ${s.t.toFixed(0).padStart(5)} s: ${s.rssMB.toFixed(1)} / ${s.heapMB.toFixed(1)} MB, ` +
        `${s.rooms} rooms, ${s.connections} connections, ${s.timers} timers`;
    }),
    `  end (all closed, ${end.t.toFixed(0)} s): ${end.rssMB.toFixed(1)} / ${
      end.heapMB.toFixed(1)
    } MB, ${end.rooms} rooms, ${end.connections} connections, ${end.timers} timers; ` +
    `start ${begin.rssMB.toFixed(1)} MB, peak ${peak.toFixed(1)} MB`,
    ...checks.map(([text, ok]) => `${ok ? "ok  " : "FAIL"} ${text}`),
  ];
  return {
    ok: checks.every(([, ok]) => ok),
    warmRssMB: warm.rssMB,
    endRssMB: end.rssMB,
    peakRssMB: peak,
    rssSlopeKBPer1000: slopeMBPerCycle * 1024 * 1000,
    lines,
  };
}
