/**
 * Resume tokens: a compact HS256 JWT (`sub` = the client id; `uid` = the user, with auth on;
 * `exp`) that lets a client take its session back on a new connection. Signed and checked
 * synchronously (jose's API is asynchronous only), so issuing one in client_hello and checking
 * one in `resume` never reorders a connection's frames, and the whole flow stays deterministic
 * on a manual clock. One is signed per connection, so the HMAC is our own allocation-free one
 * (server/hmac_sha256.ts), not node:crypto's. The key is RESUME_SECRET, or a random one
 * per process (then tokens do not survive a restart, and neither do rooms).
 */
import { RESUME_TOKEN_TTL_S } from "../protocol/mod.ts";
import { bytesOfBase64 } from "../protocol/base64.ts";
import { equalInConstantTime } from "./constant_time.ts";
import { base64urlOfText, HmacSha256 } from "./hmac_sha256.ts";

export interface ResumeClaims {
  /** The session's client id. */
  readonly clientId: string;
  /** The authenticated user the session belongs to (auth on), or null. */
  readonly userId: string | null;
}

export type ResumeCheck =
  | { readonly ok: true; readonly claims: ResumeClaims }
  | { readonly ok: false; readonly reason: string };

const HEADER = base64urlOfText(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export class ResumeTokens {
  readonly #hmac: HmacSha256;

  constructor(secret: string, readonly ttlS = RESUME_TOKEN_TTL_S) {
    this.#hmac = new HmacSha256(
      secret ? new TextEncoder().encode(secret) : crypto.getRandomValues(new Uint8Array(32)),
    );
  }

  issue(claims: ResumeClaims, nowMs: number): string {
    const payload: Record<string, unknown> = {
      sub: claims.clientId,
      exp: Math.floor(nowMs / 1000) + this.ttlS,
    };
    if (claims.userId !== null) payload.uid = claims.userId;
    const body = `${HEADER}.${base64urlOfText(JSON.stringify(payload))}`;
    return `${body}.${this.#hmac.signToBase64url(body)}`;
  }

  check(token: string, nowMs: number): ResumeCheck {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: "malformed" };
    const body = `${parts[0]}.${parts[1]}`;
    if (!equalInConstantTime(this.#hmac.signToBase64url(body), parts[2]!)) {
      return { ok: false, reason: "bad signature" };
    }
    let payload: { sub?: unknown; uid?: unknown; exp?: unknown };
    try {
      payload = JSON.parse(textOfBase64url(parts[1]!));
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
}

/** Decodes base64url (padding optional) to UTF-8 text; throws on anything malformed. */
function textOfBase64url(encoded: string): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytesOfBase64(encoded));
}
