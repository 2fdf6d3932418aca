/**
 * A machine code names one cause, so that a client can act on it without reading the text:
 * the three per-minute budgets (rooms, wrong passwords, locks) each have their own code, and
 * `rate_limited` is the frame budget's alone. The one code shared on purpose is one cause said
 * of several actions (`not_host`: only the host may).
 */
import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";

Deno.test("error codes: one cause each; the shared ones are one cause in several places", () => {
  const byCode = new Map<string, string[]>();
  for (const [name, { code }] of Object.entries(ERRORS)) {
    byCode.set(code, [...(byCode.get(code) ?? []), name]);
  }
  const shared = Object.fromEntries([...byCode].filter(([, names]) => names.length > 1));
  assert.deepEqual(Object.keys(shared), ["not_host"]);
  assert.deepEqual(byCode.get("rate_limited"), ["rateLimited"]);
  assert.deepEqual(
    [ERRORS.roomCreationLimited.code, ERRORS.passwordAttempts.code, ERRORS.roomLocksLimited.code],
    ["room_creation_limited", "password_attempts", "room_locks_limited"],
  );
});
