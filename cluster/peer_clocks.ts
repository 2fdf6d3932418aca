/**
 * The clock offset of every other instance, from round trips over Redis (the NTP idea: a probe
 * leaves at t0 on our clock, the peer reads t1 on its own, the answer arrives at t3; the peer's
 * clock is ahead of ours by t1 − (t0 + t3) / 2, give or take half the round trip). Of the
 * recent samples the one with the shortest round trip wins: queueing only ever adds delay, so
 * the fastest round trip is the one least bent by it.
 */

/** How many recent samples per peer are kept to choose from. */
import type { PeerOffset } from "../server/instance_link.ts";

export const CLOCK_SAMPLES_KEPT = 8;

export type { PeerOffset };

export class PeerClocks {
  readonly #samples = new Map<string, PeerOffset[]>();

  /** One round trip: sent at `t0` (ours), read at `t1` (theirs), answered at `t3` (ours). */
  record(peer: string, t0: number, t1: number, t3: number): void {
    const rttMs = t3 - t0;
    if (!(rttMs >= 0)) return; // a clock that ran backwards here: not a sample
    const samples = this.#samples.get(peer) ?? [];
    samples.push({ offsetMs: t1 - (t0 + t3) / 2, rttMs });
    if (samples.length > CLOCK_SAMPLES_KEPT) samples.shift();
    this.#samples.set(peer, samples);
  }

  /** The best estimate for `peer`, or null before the first sample. */
  estimate(peer: string): PeerOffset | null {
    const samples = this.#samples.get(peer);
    if (!samples?.length) return null;
    return samples.reduce((best, sample) => sample.rttMs < best.rttMs ? sample : best);
  }

  /** An instant on `peer`'s clock, on ours (unchanged while the offset is unknown). */
  toLocal(peer: string, peerTime: number): number {
    return peerTime - this.correction(peer);
  }

  /**
   * What `toLocal` subtracts: the offset in whole ms (like every time on the wire), or 0 while
   * it is unknown or no larger than its own uncertainty (half the round trip). Hosts kept in
   * step by NTP then get no correction at all, rather than one made of measurement noise.
   */
  correction(peer: string): number {
    const estimate = this.estimate(peer);
    if (estimate === null || Math.abs(estimate.offsetMs) <= estimate.rttMs / 2) return 0;
    return Math.round(estimate.offsetMs);
  }

  forget(peer: string): void {
    this.#samples.delete(peer);
  }

  peers(): [string, PeerOffset][] {
    const known: [string, PeerOffset][] = [];
    for (const peer of this.#samples.keys()) {
      const estimate = this.estimate(peer);
      if (estimate) known.push([peer, estimate]);
    }
    return known;
  }
}

/**
 * Moves every time field of a frame (`server_ts`, `target_server_ts`, `deadline_ts`, and the
 * `server_ts` of chat history entries: every key ending in `_ts`) by `toLocal`, in place.
 */
export function convertTimes(value: unknown, toLocal: (t: number) => number): void {
  if (Array.isArray(value)) {
    for (const item of value) convertTimes(item, toLocal);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const field = record[key];
    if (typeof field === "number" && key.endsWith("_ts")) record[key] = toLocal(field);
    else if (field !== null && typeof field === "object") convertTimes(field, toLocal);
  }
}
