/**
 * A connection's auth gate on a manual clock: what passes before auth, the timeout without a
 * token, a token's expiry moved by a re-auth, and nothing left armed once the connection is gone
 * (even when it went while a token was being checked).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../../rooms/clock.ts";
import type { Authenticator, AuthResult } from "../../server/auth.ts";
import { JWT_LEEWAY_S } from "../../server/auth.ts";
import { AuthGate } from "../../server/auth_gate.ts";

/** Accepts "good-<exp ms>" tokens; answers when `release` is called, if `held`. */
function authenticator(clock: ManualClock, held = false) {
  let release: () => void = () => {};
  const auth: Authenticator = {
    async verify(token) {
      if (held) await new Promise<void>((resolve) => release = resolve);
      if (!token.startsWith("good-")) return { ok: false, reason: "bad" } as AuthResult;
      const expiresAt = clock.now() + Number(token.slice(5));
      return { ok: true, identity: { userId: "u1", userName: "Ann", expiresAt } };
    },
  };
  return { auth, release: () => release() };
}

function gate(held = false) {
  const clock = new ManualClock();
  const closed: string[] = [];
  const { auth, release } = authenticator(clock, held);
  return { clock, closed, release, gate: new AuthGate(clock, auth, 10_000, (r) => closed.push(r)) };
}

Deno.test("auth gate: before a token only auth and ping pass; client_log is dropped, the rest refused", () => {
  const { gate: g } = gate();
  assert.deepEqual(
    ["ping", "client_log", "join_room"].map((type) => g.beforeAuth(type)),
    ["pass", "drop", "refuse"],
  );
  const off = new AuthGate(new ManualClock(), null, 10_000, () => {});
  assert.equal(off.required, false);
  assert.equal(off.beforeAuth("join_room"), "pass");
});

Deno.test("auth gate: no token within the timeout closes; a token in time does not", async () => {
  const late = gate();
  late.gate.opened();
  late.clock.advance(10_000);
  assert.deepEqual(late.closed, ["authTimeout"]);

  const { clock, closed, gate: g } = gate();
  g.opened();
  const verified = await g.verify("good-60000");
  assert.ok(verified.ok && verified.first);
  clock.advance(10_000);
  assert.deepEqual(closed, []);
});

Deno.test("auth gate: the token's expiry (plus the leeway) closes, and a re-auth moves it", async () => {
  const { clock, closed, gate: g } = gate();
  g.opened();
  await g.verify("good-60000");
  clock.advance(30_000);
  const again = await g.verify("good-60000");
  assert.ok(again.ok && !again.first, "a re-auth is not the first");
  clock.advance(60_000 + JWT_LEEWAY_S * 1000 - 1);
  assert.deepEqual(closed, []);
  clock.advance(1);
  assert.deepEqual(closed, ["tokenExpired"]);
});

Deno.test("auth gate: gone while its token was checked: no timer is armed", async () => {
  const { clock, release, gate: g } = gate(true);
  g.opened();
  const verifying = g.verify("good-60000");
  g.stop();
  release();
  const verified = await verifying;
  assert.equal(verified.ok, false);
  assert.equal(clock.pendingTimers, 0);
});
