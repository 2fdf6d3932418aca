/** Messages between the generator's main thread and its workers. */
import type { MeasuredType } from "./party.ts";
import type { Scenario } from "./scenario.ts";

export type ToWorker =
  | {
    readonly kind: "setup";
    readonly url: string;
    /** Several instances: member m of party p connects to urls[(p + m) % urls.length]. */
    readonly urls?: readonly string[];
    readonly scenario: Scenario;
    /** The parties (rooms) this worker owns, by global index. */
    readonly parties: readonly number[];
    /** This worker's share of the ramp-up rate. */
    readonly rampPerS: number;
    readonly seed: number;
  }
  /** Resolve once no room_list arrived for `quietMs` (the server's lists have settled). */
  | { readonly kind: "settle"; readonly quietMs: number; readonly maxMs: number }
  | { readonly kind: "measure"; readonly durationMs: number; readonly drainMs: number };

export interface SetupReport {
  readonly kind: "ready";
  readonly opened: number;
  readonly failed: number;
  readonly connectMs: Float64Array;
  readonly failures: Record<string, number>;
}

export interface WorkerResult {
  readonly kind: "result";
  readonly latency: Record<MeasuredType, Float64Array>;
  readonly expected: Record<string, number>;
  readonly received: Record<string, number>;
  readonly unexpected: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly clientsOpenAtEnd: number;
}

export interface Settled {
  readonly kind: "settled";
  readonly waitedMs: number;
}

export type FromWorker =
  | SetupReport
  | Settled
  | WorkerResult
  | { readonly kind: "failed"; readonly error: string };
