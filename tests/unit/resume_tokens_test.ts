/**
 * Resume tokens are standard HS256 JWTs: jose (an independent implementation) verifies ours and
 * ours accept jose's, so tokens stay valid across a rolling upgrade with one RESUME_SECRET.
 */
import assert from "node:assert/strict";
import { jwtVerify, SignJWT } from "jose";
import { ResumeTokens } from "../../server/resume_tokens.ts";

const SECRET = "a shared resume secret";
const key = new TextEncoder().encode(SECRET);
const NOW = 1_800_000_000_000;

Deno.test("a token we issue is a valid HS256 JWT for jose, with our claims", async () => {
  const tokens = new ResumeTokens(SECRET, 60);
  const token = tokens.issue({ clientId: "c-1", userId: "ü-user" }, NOW);
  const { payload, protectedHeader } = await jwtVerify(token, key, {
    currentDate: new Date(NOW),
    algorithms: ["HS256"],
  });
  assert.deepEqual(protectedHeader, { alg: "HS256", typ: "JWT" });
  assert.deepEqual(payload, { sub: "c-1", uid: "ü-user", exp: NOW / 1000 + 60 });
});

Deno.test("a token jose signs with the same secret is accepted", async () => {
  const token = await new SignJWT({ uid: "u-2" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject("c-2")
    .setExpirationTime(NOW / 1000 + 30)
    .sign(key);
  assert.deepEqual(new ResumeTokens(SECRET).check(token, NOW), {
    ok: true,
    claims: { clientId: "c-2", userId: "u-2" },
  });
});

Deno.test("refused: another secret, a changed payload or signature, expired, malformed", () => {
  const tokens = new ResumeTokens(SECRET, 60);
  const token = tokens.issue({ clientId: "c-3", userId: null }, NOW);
  assert.equal(tokens.check(token, NOW).ok, true);
  const [header, body, signature] = token.split(".") as [string, string, string];
  const reason = (candidate: string, at = NOW) => {
    const result = tokens.check(candidate, at);
    return result.ok ? "accepted" : result.reason;
  };
  assert.equal(
    reason(new ResumeTokens("another secret").issue({ clientId: "c-3", userId: null }, NOW)),
    "bad signature",
  );
  const otherBody = tokens.issue({ clientId: "c-4", userId: null }, NOW).split(".")[1];
  assert.equal(reason(`${header}.${otherBody}.${signature}`), "bad signature");
  const flipped = signature.at(-1) === "A" ? "B" : "A";
  assert.equal(reason(`${header}.${body}.${signature.slice(0, -1)}${flipped}`), "bad signature");
  assert.equal(reason(`${header}.${body}.${signature}x`), "bad signature");
  assert.equal(reason(token, NOW + 60_000), "expired");
  assert.equal(reason("not a token"), "malformed");
  assert.equal(reason(`${header}.${body}`), "malformed");
});

Deno.test("without RESUME_SECRET each server has its own random key", () => {
  const token = new ResumeTokens("").issue({ clientId: "c-5", userId: null }, NOW);
  assert.equal(new ResumeTokens("").check(token, NOW).ok, false);
});
