import assert from "node:assert/strict";
import { TokenBucket } from "../../server/token_bucket.ts";

Deno.test("a full bucket allows its capacity at once, then one per refill interval, exactly", () => {
  const t0 = 1_000_000;
  const bucket = new TokenBucket(30, 30, 60_000, t0); // 30 a minute: one every 2 s
  for (let i = 0; i < 30; i++) assert.ok(bucket.take(t0), `take ${i}`);
  assert.ok(!bucket.take(t0));
  assert.ok(!bucket.take(t0 + 1_999));
  assert.ok(bucket.take(t0 + 2_000));
  assert.ok(!bucket.take(t0 + 2_000));
  // 1 s and 1 s make one token: refills add up exactly.
  assert.ok(!bucket.take(t0 + 3_000));
  assert.ok(bucket.take(t0 + 4_000));
});

Deno.test("the bucket never holds more than its capacity, and says when it is full again", () => {
  const bucket = new TokenBucket(3, 3, 60_000, 0);
  assert.equal(bucket.msUntilFull(0), 0);
  assert.ok(bucket.take(0));
  assert.ok(bucket.take(0));
  assert.equal(bucket.msUntilFull(0), 40_000);
  assert.equal(bucket.msUntilFull(25_000), 15_000);
  assert.equal(bucket.msUntilFull(3_600_000), 0);
  for (let i = 0; i < 3; i++) assert.ok(bucket.take(3_600_000));
  assert.ok(!bucket.take(3_600_000));
  // Time going backwards (it does not, but) neither refills nor breaks the bucket.
  assert.ok(!bucket.take(0));
  assert.equal(bucket.msUntilFull(3_600_000), 60_000);
});
