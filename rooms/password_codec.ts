/**
 * A room password's salted hash as data (its bytes in base64): how it is kept in a saved room
 * and how it travels between instances. The text of a password never leaves the process that
 * hashed it.
 */
import { z } from "zod";
import type { PasswordHash } from "./room_types.ts";

export const PasswordHashDataSchema = z.object({
  salt: z.string().max(200),
  hash: z.string().max(200),
  iterations: z.number().int().positive(),
});
export type PasswordHashData = z.infer<typeof PasswordHashDataSchema>;

export function encodeHash(password: PasswordHash): PasswordHashData {
  return {
    salt: encodeBase64(password.salt),
    hash: encodeBase64(password.hash),
    iterations: password.iterations,
  };
}

export function decodeHash(data: PasswordHashData): PasswordHash {
  return {
    salt: decodeBase64(data.salt),
    hash: decodeBase64(data.hash),
    iterations: data.iterations,
  };
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
