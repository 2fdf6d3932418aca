/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain TypeScript, for the resume token every connection
 * gets in its client_hello.
 *
 * Why not node:crypto: Deno's `createHmac` builds a stream object and Buffers on every call, 2.7
 * KB of garbage and ~18 µs per signature. During a ramp of thousands of connections that garbage
 * is what grew V8's young generation to its maximum, the largest part of what an idle connection
 * cost above the runtime's floor (bench/README.md, "Idle memory"). WebCrypto is asynchronous,
 * which would let a connection's frames overtake its hello. Here the key's two padded blocks are
 * compressed once, a signature is three block compressions in preallocated arrays, and the one
 * allocation is the result string. Checked against node:crypto and RFC 4231's vectors
 * (tests/unit/hmac_sha256_test.ts).
 */

import { base64url } from "../protocol/base64.ts";

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const INITIAL_STATE = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;

// Working memory shared by every call: all of this runs synchronously on one thread, so no two
// computations ever use it at once.
const schedule = new Int32Array(64);
const tail = new Uint8Array(2 * BLOCK_BYTES);
const digestBytes = new Uint8Array(DIGEST_BYTES);
const innerDigest = new Uint8Array(DIGEST_BYTES);
const encoder = new TextEncoder();
let textBytes = new Uint8Array(1024);

/** Folds one 64-byte block at `bytes[offset]` into `state`. */
function compress(state: Int32Array, bytes: Uint8Array, offset: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + s1 + choice + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + s0 + majority) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * Finishes a hash: folds `bytes[0, length)` into `state`, which has already taken
 * `alreadyHashed` bytes (whole blocks), then the padding and the length; the digest is left in
 * `digestBytes`.
 */
function finish(state: Int32Array, alreadyHashed: number, bytes: Uint8Array, length: number): void {
  const whole = length - (length % BLOCK_BYTES);
  for (let offset = 0; offset < whole; offset += BLOCK_BYTES) compress(state, bytes, offset);
  const rest = length - whole;
  tail.fill(0);
  for (let i = 0; i < rest; i++) tail[i] = bytes[whole + i]!;
  tail[rest] = 0x80;
  // The length in bits, big-endian, in the last 8 bytes of one block, or of two when the rest
  // and the 0x80 leave fewer than 8 bytes free.
  const tailLength = rest + 1 + 8 <= BLOCK_BYTES ? BLOCK_BYTES : 2 * BLOCK_BYTES;
  const bits = (alreadyHashed + length) * 8;
  writeWord(tail, tailLength - 8, Math.floor(bits / 0x1_0000_0000));
  writeWord(tail, tailLength - 4, bits >>> 0);
  for (let offset = 0; offset < tailLength; offset += BLOCK_BYTES) compress(state, tail, offset);
  for (let i = 0; i < 8; i++) writeWord(digestBytes, i * 4, state[i]!);
}

function writeWord(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = (word >>> 16) & 0xff;
  bytes[offset + 2] = (word >>> 8) & 0xff;
  bytes[offset + 3] = word & 0xff;
}

/** SHA-256 of `bytes` (a new array). */
export function sha256(bytes: Uint8Array): Uint8Array {
  const state = INITIAL_STATE.slice();
  finish(state, 0, bytes, bytes.length);
  return digestBytes.slice();
}

/** `text` as UTF-8 in the shared buffer (grown when too small); returns the byte count. */
function encodeText(text: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (textBytes.length < text.length * 3) textBytes = new Uint8Array(text.length * 3);
  return encoder.encodeInto(text, textBytes).written;
}

/** The UTF-8 bytes of `text`, base64url-encoded without padding. */
export function base64urlOfText(text: string): string {
  const length = encodeText(text);
  return base64url(textBytes, length);
}

/** An HMAC-SHA256 key, prepared once: the states after its inner and outer padded blocks. */
export class HmacSha256 {
  readonly #inner = INITIAL_STATE.slice();
  readonly #outer = INITIAL_STATE.slice();
  readonly #state = new Int32Array(8);

  constructor(key: Uint8Array) {
    // A key longer than a block is hashed first (RFC 2104 §2); a shorter one is zero-padded.
    const block = new Uint8Array(BLOCK_BYTES);
    block.set(key.length > BLOCK_BYTES ? sha256(key) : key);
    const padded = new Uint8Array(BLOCK_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) padded[i] = block[i]! ^ 0x36;
    compress(this.#inner, padded, 0);
    for (let i = 0; i < BLOCK_BYTES; i++) padded[i] = block[i]! ^ 0x5c;
    compress(this.#outer, padded, 0);
  }

  /** The MAC of `text`'s UTF-8 bytes, base64url without padding (a JWT's signature part). */
  signToBase64url(text: string): string {
    // The length first: encoding may replace textBytes with a larger buffer.
    const length = encodeText(text);
    this.#mac(textBytes, length);
    return base64url(digestBytes);
  }

  /** The MAC of `bytes` (a new array). */
  sign(bytes: Uint8Array): Uint8Array {
    this.#mac(bytes, bytes.length);
    return digestBytes.slice();
  }

  #mac(bytes: Uint8Array, length: number): void {
    const state = this.#state;
    state.set(this.#inner);
    finish(state, BLOCK_BYTES, bytes, length);
    state.set(this.#outer);
    // The inner digest is copied out of digestBytes before finish() overwrites it.
    innerDigest.set(digestBytes);
    finish(state, BLOCK_BYTES, innerDigest, DIGEST_BYTES);
  }
}
