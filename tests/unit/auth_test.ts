import assert from "node:assert/strict";
import { ManualClock } from "../../rooms/clock.ts";
import { createJwtAuthenticator } from "../../server/auth.ts";
import {
  AUDIENCE,
  claims,
  ISSUER,
  SECRET,
  signHs256,
  signHs512,
  signNone,
  signRs256,
  withoutClaim,
} from "../helpers/tokens.ts";

const clock = new ManualClock();
const now = clock.now();
const auth = createJwtAuthenticator({ secret: SECRET, audience: AUDIENCE, issuer: ISSUER }, clock);
const nowS = Math.floor(now / 1000);

Deno.test("tokens from an independent signer that the server accepts", async (t) => {
  const accepted: Record<string, string> = {
    "a valid HS256 token": signHs256(claims(now)),
    "aud as an array containing the audience (the Jellyfin plugin's form)": signHs256(
      claims(now, { aud: ["other", AUDIENCE] }),
    ),
    "expired 59 s ago: within the 60 s leeway": signHs256(claims(now, { exp: nowS - 59 })),
  };
  for (const [what, token] of Object.entries(accepted)) {
    await t.step(what, async () => {
      const result = await auth.verify(token);
      assert.ok(result.ok, JSON.stringify(result));
      const { exp } = JSON.parse(atob(token.split(".")[1]!));
      assert.deepEqual(result.identity, {
        userId: "user-1",
        userName: "Alice",
        expiresAt: exp * 1000,
      });
    });
  }
});

Deno.test("tokens the server refuses", async (t) => {
  const claimFailed = "ERR_JWT_CLAIM_VALIDATION_FAILED";
  const algRefused = "ERR_JOSE_ALG_NOT_ALLOWED";
  // Each token with the reason it must be refused for: refused for another reason, it fails.
  const refused: Record<string, [string, string]> = {
    "expired 61 s ago: beyond the leeway": [
      signHs256(claims(now, { exp: nowS - 61 })),
      "ERR_JWT_EXPIRED",
    ],
    "wrong aud": [signHs256(claims(now, { aud: "SomethingElse" })), claimFailed],
    "aud array without the audience": [signHs256(claims(now, { aud: ["a", "b"] })), claimFailed],
    "wrong iss": [signHs256(claims(now, { iss: "Emby" })), claimFailed],
    "wrong secret": [
      signHs256(claims(now), "another-secret-that-is-also-long-enough!"),
      "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    ],
    "alg none": [signNone(claims(now)), algRefused],
    "HS512": [signHs512(claims(now)), algRefused],
    "RS256 header (and signature)": [signRs256(claims(now)), algRefused],
    "missing sub": [signHs256(withoutClaim(claims(now), "sub")), claimFailed],
    "missing name": [signHs256(withoutClaim(claims(now), "name")), "missing name"],
    "name not a string": [
      signHs256(claims(now, { name: 42 as unknown as string })),
      "missing name",
    ],
    "missing exp": [signHs256(withoutClaim(claims(now), "exp")), claimFailed],
    "garbage": ["not-a-token", "ERR_JWS_INVALID"],
    "three garbage segments": ["abc.def.ghi", "ERR_JWS_INVALID"],
    "empty": ["", "ERR_JWS_INVALID"],
  };
  for (const [what, [token, reason]] of Object.entries(refused)) {
    await t.step(what, async () => {
      assert.deepEqual(await auth.verify(token), { ok: false, reason });
    });
  }
});
