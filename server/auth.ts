/**
 * JWT verification (docs/protocol.md 2.3) with jose: HS256 only, audience and issuer checked, `exp`
 * required with 60 s of leeway, `sub` and `name` required strings. Everything else is refused.
 * A token's expiry also ends the session it authenticated (see `acceptedUntil`).
 */
import { errors as joseErrors, jwtVerify } from "jose";
import type { Clock } from "../rooms/mod.ts";

export interface Identity {
  readonly userId: string;
  readonly userName: string;
  /** The token's `exp`, in epoch milliseconds. */
  readonly expiresAt: number;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: string };

export interface Authenticator {
  verify(token: string): Promise<AuthResult>;
}

/** Below this many characters an HS256 secret is guessable; the server warns at start. */
export const MIN_SECRET_CHARS = 32;
export const JWT_LEEWAY_S = 60;

/**
 * The first instant at which this identity's token is refused: `exp` plus the leeway, the same
 * rule jose applies (refused once `now - leeway >= exp`). A session must re-auth before then.
 */
export function acceptedUntil(identity: Identity): number {
  return identity.expiresAt + JWT_LEEWAY_S * 1000;
}

export interface JwtSettings {
  readonly secret: string;
  readonly audience: string;
  readonly issuer: string;
}

export function createJwtAuthenticator(settings: JwtSettings, clock: Clock): Authenticator {
  const key = new TextEncoder().encode(settings.secret);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          audience: settings.audience,
          issuer: settings.issuer,
          clockTolerance: JWT_LEEWAY_S,
          requiredClaims: ["exp", "sub"],
          currentDate: new Date(clock.now()),
        });
        const name = payload["name"];
        if (typeof payload.sub !== "string" || payload.sub === "") {
          return { ok: false, reason: "missing sub" };
        }
        if (typeof name !== "string" || name.trim() === "") {
          return { ok: false, reason: "missing name" };
        }
        // jose has checked that exp is a number (it is a required claim).
        const expiresAt = (payload.exp ?? 0) * 1000;
        return { ok: true, identity: { userId: payload.sub, userName: name, expiresAt } };
      } catch (error) {
        const reason = error instanceof joseErrors.JOSEError ? error.code : "malformed token";
        return { ok: false, reason };
      }
    },
  };
}
