/**
 * What every frame of a connection passes before it is parsed any further: its size, and its
 * rate budget (protocol 2.4). Real messages share one budget (MESSAGES_PER_SECOND): the first
 * frame over it in a window gets one `rate_limited` error, and a connection still flooding after
 * RATE_LIMIT_FLOOD_CLOSE_MS is closed. client_log and sync_report have silent budgets of their
 * own: the upstream client flushes its buffered logs right before `auth`, and reports come every
 * few seconds; neither may use up the budget of real messages, nor earn an error.
 */
import {
  CLIENT_LOG_PER_SECOND,
  RATE_LIMIT_FLOOD_CLOSE_MS,
  SYNC_REPORTS_PER_SECOND,
} from "../protocol/mod.ts";
import { WindowRateLimiter } from "./rate_limit.ts";

export interface FrameAdmissionLimits {
  readonly messagesPerSecond: number;
  readonly maxFrameBytes: number;
}

/** What admission does to its connection when a frame is over budget. */
export interface OverBudget {
  /** Every frame dropped (a metric). */
  dropped(): void;
  /** The first frame dropped in a window of the real budget: one error. */
  firstDropped(): void;
  /** Still flooding after RATE_LIMIT_FLOOD_CLOSE_MS: the connection goes. */
  flooding(): void;
}

export class FrameAdmission {
  readonly #limits: FrameAdmissionLimits;
  readonly #overBudget: OverBudget;
  readonly #limiter: WindowRateLimiter;
  // Made when first needed, not per connection: an idle socket pays for what it holds, and most
  // never send a client_log or a sync_report (bench/README.md, idle cost).
  #logLimiter: WindowRateLimiter | null = null;
  #reportLimiter: WindowRateLimiter | null = null;

  constructor(limits: FrameAdmissionLimits, overBudget: OverBudget) {
    this.#limits = limits;
    this.#overBudget = overBudget;
    this.#limiter = new WindowRateLimiter(limits.messagesPerSecond);
  }

  /** Over MAX_FRAME_BYTES in UTF-8, without encoding frames that are surely small enough. */
  tooLarge(text: string): boolean {
    const maxBytes = this.#limits.maxFrameBytes;
    if (text.length > maxBytes) return true; // at least one byte per UTF-16 unit
    if (text.length * 3 <= maxBytes) return false; // at most three bytes per UTF-16 unit
    return utf8.encode(text).byteLength > maxBytes;
  }

  /**
   * Counts a frame of `type` (undefined: not a message at all) against its budget; false when
   * it must be dropped, after the error or close that dropping calls for.
   */
  admit(now: number, type?: string): boolean {
    const silent = this.#silentBudgetFor(type);
    const limiter = silent ?? this.#limiter;
    const verdict = limiter.take(now);
    if (verdict === "allow") return true;
    this.#overBudget.dropped();
    if (silent !== null) return false;
    if (verdict === "drop_first") this.#overBudget.firstDropped();
    if (limiter.floodingFor(now) >= RATE_LIMIT_FLOOD_CLOSE_MS) this.#overBudget.flooding();
    return false;
  }

  #silentBudgetFor(type: string | undefined): WindowRateLimiter | null {
    if (type === "client_log") {
      return this.#logLimiter ??= new WindowRateLimiter(CLIENT_LOG_PER_SECOND);
    }
    if (type === "sync_report") {
      return this.#reportLimiter ??= new WindowRateLimiter(SYNC_REPORTS_PER_SECOND);
    }
    return null;
  }
}

const utf8 = new TextEncoder();
