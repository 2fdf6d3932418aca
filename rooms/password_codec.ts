/**
 * A room password's salted hash as data (its bytes in base64): how it is kept in a saved room
 * and how it travels between instances. The text of a password never leaves the process that
 * hashed it.
 */
import { z } from "zod";
import { base64, bytesOfBase64 } from "../protocol/base64.ts";
import type { PasswordHash } from "./room_types.ts";

export const PasswordHashDataSchema = z.object({
  salt: z.string().max(200),
  hash: z.string().max(200),
  iterations: z.number().int().positive(),
});
export type PasswordHashData = z.infer<typeof PasswordHashDataSchema>;

export function encodeHash(password: PasswordHash): PasswordHashData {
  return {
    salt: base64(password.salt),
    hash: base64(password.hash),
    iterations: password.iterations,
  };
}

export function decodeHash(data: PasswordHashData): PasswordHash {
  return {
    salt: bytesOfBase64(data.salt),
    hash: bytesOfBase64(data.hash),
    iterations: data.iterations,
  };
}
