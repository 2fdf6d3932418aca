/**
 * Resume tokens: a compact HS256 JWT (`sub` = the client id; `uid` = the user, with auth on;
 * `exp`) that lets a client take its session back on a new connection. Signed and checked
 * synchronously with Node's HMAC (jose's API is asynchronous only), so issuing one in
 * client_hello and checking one in `resume` never reorders a connection's frames, and the
 * whole flow stays deterministic on a manual clock. The key is RESUME_SECRET, or a random one
 * per process (then tokens do not survive a restart, and neither do rooms).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { RESUME_TOKEN_TTL_S } from "../protocol/mod.ts";

export interface ResumeClaims {
  /** The session's client id. */
  readonly clientId: string;
  /** The authenticated user the session belongs to (auth on), or null. */
  readonly userId: string | null;
}

export type ResumeCheck =
  | { readonly ok: true; readonly claims: ResumeClaims }
  | { readonly ok: false; readonly reason: string };

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export class ResumeTokens {
  readonly #key: Buffer;

  constructor(secret: string, readonly ttlS = RESUME_TOKEN_TTL_S) {
    this.#key = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  issue(claims: ResumeClaims, nowMs: number): string {
    const payload: Record<string, unknown> = {
      sub: claims.clientId,
      exp: Math.floor(nowMs / 1000) + this.ttlS,
    };
    if (claims.userId !== null) payload.uid = claims.userId;
    const body = `${HEADER}.${base64url(JSON.stringify(payload))}`;
    return `${body}.${this.#sign(body)}`;
  }

  check(token: string, nowMs: number): ResumeCheck {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: "malformed" };
    const body = `${parts[0]}.${parts[1]}`;
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: "bad signature" };
    }
    let payload: { sub?: unknown; uid?: unknown; exp?: unknown };
    try {
      payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    if (typeof payload.sub !== "string" || typeof payload.exp !== "number") {
      return { ok: false, reason: "missing claims" };
    }
    if (payload.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
    const userId = typeof payload.uid === "string" ? payload.uid : null;
    return { ok: true, claims: { clientId: payload.sub, userId } };
  }

  #sign(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
