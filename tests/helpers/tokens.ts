/**
 * Tokens signed by an independent JWT implementation (the npm `jsonwebtoken` package, built on
 * Node's crypto), so the server's jose-based verification is tested against another library.
 */
// @ts-types="npm:@types/jsonwebtoken@9.0.10"
import jwt from "jsonwebtoken";
import { generateKeyPairSync } from "node:crypto";

export const SECRET = "a-test-secret-that-is-long-enough-0123456789";
export const AUDIENCE = "OpenWatchParty";
export const ISSUER = "Jellyfin";

export interface Claims {
  sub?: string;
  name?: string;
  aud?: string | string[];
  iss?: string;
  exp?: number;
  [claim: string]: unknown;
}

/** Valid claims for a token checked at `nowMs`, expiring an hour later. */
export function claims(nowMs: number, overrides: Claims = {}): Claims {
  return {
    sub: "user-1",
    name: "Alice",
    aud: AUDIENCE,
    iss: ISSUER,
    exp: Math.floor(nowMs / 1000) + 3600,
    ...overrides,
  };
}

export function withoutClaim(source: Claims, claim: keyof Claims): Claims {
  const copy = { ...source };
  delete copy[claim];
  return copy;
}

export function signHs256(payload: Claims, secret = SECRET): string {
  return jwt.sign(payload, secret, { algorithm: "HS256", noTimestamp: true });
}

export function signHs512(payload: Claims): string {
  return jwt.sign(payload, SECRET, { algorithm: "HS512", noTimestamp: true });
}

export function signNone(payload: Claims): string {
  return jwt.sign(payload, "", { algorithm: "none", noTimestamp: true });
}

let rsaKey: string | null = null;
export function signRs256(payload: Claims): string {
  rsaKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    .export({ type: "pkcs8", format: "pem" }) as string;
  return jwt.sign(payload, rsaKey, { algorithm: "RS256", noTimestamp: true });
}
