/**
 * Room passwords, kept only as a salted PBKDF2-HMAC-SHA256 hash (WebCrypto: it runs off the
 * event loop). 600,000 iterations (OWASP's figure for this hash, 2023) cost about 85 ms of one
 * core per check (deno task bench:password); wrong guesses are budgeted per client address. The
 * comparison takes the same time whatever the bytes. The text is never stored nor logged.
 */
import { PASSWORD_HASH_ITERATIONS } from "../protocol/mod.ts";
import type { PasswordHash } from "../rooms/mod.ts";
import { equalInConstantTime } from "./constant_time.ts";

const SALT_BYTES = 16;
const HASH_BITS = 256;

async function derive(text: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(text),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(
  text: string,
  iterations = PASSWORD_HASH_ITERATIONS,
): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { salt, hash: await derive(text, salt, iterations), iterations };
}

export async function passwordMatches(text: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(text, stored.salt, stored.iterations);
  return equalInConstantTime(candidate, stored.hash);
}
