/**
 * Our HMAC-SHA256 (server/hmac_sha256.ts) signs every resume token: it must give exactly what
 * node:crypto gives, for every key and message length, and the published vectors. The base64
 * codec (protocol/base64.ts) must agree with node's Buffer both ways.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { base64, base64url, bytesOfBase64 } from "../../protocol/base64.ts";
import { equalInConstantTime } from "../../server/constant_time.ts";
import { base64urlOfText, HmacSha256, sha256 } from "../../server/hmac_sha256.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("published vectors: FIPS 180-2 for SHA-256, RFC 4231 for HMAC", () => {
  assert.equal(
    hex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  // RFC 4231 test case 2 (a key shorter than the output) and 6 (a key longer than a block).
  assert.equal(
    hex(new HmacSha256(utf8("Jefe")).sign(utf8("what do ya want for nothing?"))),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  assert.equal(
    hex(
      new HmacSha256(new Uint8Array(131).fill(0xaa)).sign(
        utf8("Test Using Larger Than Block-Size Key - Hash Key First"),
      ),
    ),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  );
});

Deno.test("every length around the block and padding boundaries agrees with node:crypto", () => {
  const key = utf8("a resume secret");
  const ours = new HmacSha256(key);
  for (let length = 0; length <= 200; length++) {
    const message = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    assert.equal(hex(sha256(message)), createHash("sha256").update(message).digest("hex"));
    assert.equal(hex(ours.sign(message)), createHmac("sha256", key).update(message).digest("hex"));
  }
});

Deno.test("random keys, messages and texts agree with node:crypto", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: "grapheme", maxLength: 80 }),
      (key, message, text) => {
        const ours = new HmacSha256(key);
        const node = () => createHmac("sha256", key);
        assert.equal(hex(ours.sign(message)), node().update(message).digest("hex"));
        assert.equal(ours.signToBase64url(text), node().update(text, "utf8").digest("base64url"));
        assert.equal(base64url(message), Buffer.from(message).toString("base64url"));
        assert.equal(base64(message), Buffer.from(message).toString("base64"));
        assert.deepEqual(bytesOfBase64(base64(message)), message);
        assert.deepEqual(bytesOfBase64(base64url(message)), message);
        assert.equal(base64urlOfText(text), Buffer.from(text, "utf8").toString("base64url"));
      },
    ),
    { seed: 4231, numRuns: 2_000 },
  );
});

Deno.test("a long text grows the shared buffer and still signs right", () => {
  const text = "é".repeat(5_000);
  const key = utf8("k");
  assert.equal(
    new HmacSha256(key).signToBase64url(text),
    createHmac("sha256", key).update(text, "utf8").digest("base64url"),
  );
  assert.equal(base64urlOfText(text), Buffer.from(text, "utf8").toString("base64url"));
});

Deno.test("constant-time comparison: equal only when every character (or byte) is", () => {
  assert.equal(equalInConstantTime("abc", "abc"), true);
  assert.equal(equalInConstantTime("abc", "abd"), false);
  assert.equal(equalInConstantTime("abc", "ab"), false);
  assert.equal(equalInConstantTime("", ""), true);
  assert.equal(equalInConstantTime(utf8("abc"), utf8("abc")), true);
  assert.equal(equalInConstantTime(utf8("abc"), utf8("abd")), false);
  assert.equal(equalInConstantTime(utf8("abc"), utf8("ab")), false);
});

Deno.test("base64 decoding refuses what is not base64", () => {
  assert.throws(() => bytesOfBase64("a"));
  assert.throws(() => bytesOfBase64("ab$d"));
});
