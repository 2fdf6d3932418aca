/**
 * Every close code the server uses, and what a client should do about it. Clients reconnect
 * (with backoff) after the "reconnect" ones and do not retry the others without a change.
 */
export const CLOSE_CODES = {
  /** Server shutting down or restarting: reconnect with backoff. */
  goingAway: { code: 1001, reason: "server shutting down", retry: true },
  /**
   * The server restarts and keeps its rooms (DATA_DIR): reconnect at once and resume; the room,
   * its timeline and your place in it are there when it is back.
   */
  serviceRestart: { code: 1012, reason: "server restarting: reconnect now", retry: true },
  /** Flooded past the rate limit for too long: a bug or abuse; do not retry as is. */
  policyViolation: { code: 1008, reason: "rate limit exceeded for too long", retry: false },
  /** The client did not read what it was sent fast enough: reconnect later. */
  slowConsumer: { code: 1013, reason: "slow consumer", retry: true },
  /** Auth is on and no valid `auth` arrived in time: get a token first, then reconnect. */
  authTimeout: { code: 4001, reason: "authentication timeout", retry: false },
  /** The token's `exp` (plus 60 s of leeway) passed without a re-auth: same as above. */
  tokenExpired: { code: 4001, reason: "token expired", retry: false },
} as const;

export type CloseReason = keyof typeof CLOSE_CODES;
