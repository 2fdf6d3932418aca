/**
 * A connection's authentication state (protocol 2.3). With auth off everyone is authenticated
 * from the start. With JWT_SECRET, until a token is accepted only `auth` and `ping` pass (a
 * `client_log` is dropped without a word: the upstream client flushes its buffered lines right
 * before its `auth`), the socket closes AUTH_TIMEOUT_MS after it opened without one, and closes
 * again when the last accepted token expires (a re-auth with a fresh token moves that instant).
 * What the connection says about it (auth_success, errors, its new name) is the connection's.
 */
import type { Clock, TimerId } from "../rooms/mod.ts";
import { acceptedUntil, type Authenticator, type Identity } from "./auth.ts";
import { DeadlineTimer } from "./deadline_timer.ts";

/** What a message may do before the connection is authenticated. */
export type BeforeAuth = "pass" | "refuse" | "drop";

export type Verified =
  | { readonly ok: true; readonly identity: Identity; readonly first: boolean }
  | { readonly ok: false; readonly reason: string };

export class AuthGate {
  readonly #clock: Clock;
  readonly #authenticator: Authenticator | null;
  readonly #timeoutMs: number;
  readonly #close: (reason: "authTimeout" | "tokenExpired") => void;
  #authenticated: boolean;
  #timer: TimerId | null = null;
  /** Made at the first accepted token: most connections never have one (auth off). */
  #expiry: DeadlineTimer | null = null;
  #stopped = false;

  constructor(
    clock: Clock,
    authenticator: Authenticator | null,
    timeoutMs: number,
    close: (reason: "authTimeout" | "tokenExpired") => void,
  ) {
    this.#clock = clock;
    this.#authenticator = authenticator;
    this.#timeoutMs = timeoutMs;
    this.#close = close;
    this.#authenticated = authenticator === null;
  }

  /** Tokens are checked (JWT_SECRET set): an `auth` must carry one. */
  get required(): boolean {
    return this.#authenticator !== null;
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** The socket opened: without auth yet, the clock for one starts. */
  opened(): void {
    if (this.#authenticated) return;
    this.#timer = this.#clock.setTimer(this.#timeoutMs, () => {
      this.#timer = null;
      if (!this.#authenticated) this.#close("authTimeout");
    });
  }

  /** Whether a message of `type` (not `auth`) may be handled now. */
  beforeAuth(type: string): BeforeAuth {
    if (this.#authenticated || type === "ping") return "pass";
    return type === "client_log" ? "drop" : "refuse";
  }

  /**
   * Checks `token`. Accepted, the connection is authenticated (`first`: just now) and closes
   * when this token expires, unless a later one moves that.
   */
  async verify(token: string): Promise<Verified> {
    const result = await this.#authenticator!.verify(token);
    // Closed while the token was checked: no timer may outlive the connection.
    if (this.#stopped) return { ok: false, reason: "connection closed" };
    if (!result.ok) return { ok: false, reason: result.reason };
    this.#expiry ??= new DeadlineTimer(this.#clock, () => this.#close("tokenExpired"));
    this.#expiry.set(acceptedUntil(result.identity));
    const first = !this.#authenticated;
    this.#authenticated = true;
    this.#clearTimer();
    return { ok: true, identity: result.identity, first };
  }

  /** The connection is gone: nothing of the gate may fire any more. */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
    this.#expiry?.clear();
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }
}
