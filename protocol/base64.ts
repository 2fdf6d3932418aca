/**
 * The project's one base64 codec (RFC 4648): base64url without padding for tokens (the resume
 * token and invites are JWTs), standard base64 with padding for a password hash's bytes in a
 * saved room and between instances.
 *
 * The encoder is a table lookup into a reused buffer: every connection's hello signs a token,
 * and the result string is then nearly the one allocation (bench/README.md, "Idle memory").
 * Decoding is rare (a resume, a restored room): the platform's atob does it.
 */

const BASE64URL_CODES = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
);
const asciiDecoder = new TextDecoder();
/** The output's ASCII codes, reused (grown when too small). */
let outputCodes = new Uint8Array(256);

/** The first `length` bytes of `bytes`, base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array, length = bytes.length): string {
  const size = Math.ceil(length / 3) * 4;
  if (outputCodes.length < size) outputCodes = new Uint8Array(size);
  const codes = outputCodes;
  let o = 0;
  let i = 0;
  for (; i + 3 <= length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[o++] = BASE64URL_CODES[n >>> 18]!;
    codes[o++] = BASE64URL_CODES[(n >>> 12) & 63]!;
    codes[o++] = BASE64URL_CODES[(n >>> 6) & 63]!;
    codes[o++] = BASE64URL_CODES[n & 63]!;
  }
  if (length - i > 0) {
    // One or two bytes left: two or three characters, no padding.
    const n = (bytes[i]! << 16) | (length - i === 2 ? bytes[i + 1]! << 8 : 0);
    codes[o++] = BASE64URL_CODES[n >>> 18]!;
    codes[o++] = BASE64URL_CODES[(n >>> 12) & 63]!;
    if (length - i === 2) codes[o++] = BASE64URL_CODES[(n >>> 6) & 63]!;
  }
  return asciiDecoder.decode(codes.subarray(0, o));
}

/** Standard base64 with padding (RFC 4648 §4), as btoa writes it. */
export function base64(bytes: Uint8Array): string {
  const url = base64url(bytes);
  return url.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - url.length % 4) % 4);
}

/** Bytes from base64 or base64url, padding optional; throws on anything malformed. */
export function bytesOfBase64(encoded: string): Uint8Array {
  // atob takes standard base64, padding optional (forgiving-base64), and throws on bad input.
  const binary = atob(encoded.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
