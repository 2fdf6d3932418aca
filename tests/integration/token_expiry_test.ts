/**
 * With auth on, a session lasts as long as its token: once `exp` plus the 60 s leeway passes
 * without a successful re-auth, the socket is closed with 4001 "token expired".
 */
import assert from "node:assert/strict";
import { RESUME_GRACE_MS } from "../../protocol/mod.ts";
import { JWT_LEEWAY_S } from "../../server/auth.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";
import { AUDIENCE, claims, ISSUER, SECRET, signHs256 } from "../helpers/tokens.ts";

const AUTH_ENV = { JWT_SECRET: SECRET, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER };
const LEEWAY_MS = JWT_LEEWAY_S * 1000;

/** A token for `nowMs` that expires `seconds` later. */
function tokenFor(nowMs: number, seconds: number, secret = SECRET): string {
  return signHs256(claims(nowMs, { exp: Math.floor(nowMs / 1000) + seconds }), secret);
}

Deno.test("token expiry: closed with 4001 'token expired' once exp + 60 s passes, not before", async () => {
  await using test = startTestServer({ env: AUTH_ENV });
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  await using other = await TestClient.connect(test.wsUrl);
  const start = clock.now(); // a whole second, so exp * 1000 is start + 100 s
  client.send("auth", { token: tokenFor(start, 100) });
  await client.next("auth_success");
  other.send("auth", { token: tokenFor(start, 3_600) });
  await other.next("auth_success");
  client.send("create_room", {});
  const roomId = (await client.next("room_state")).room!;
  other.send("join_room", {}, roomId);
  await other.next("room_state");

  clock.advance(100_000 + LEEWAY_MS - 1);
  await client.barrier(); // answered: still open
  assert.equal(client.readyState, WebSocket.OPEN);
  clock.advance(1);
  const closed = await client.closedEvent;
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, "token expired");
  // Gone like any closed connection: away for the resume grace (a fresh token could take
  // the session back), then the room passes to the other member; that session is untouched.
  await other.nextOf(
    "participants_update",
    (m) => m.payload.participants.some((p) => p.away),
    "the host away",
  );
  clock.advance(RESUME_GRACE_MS);
  assert.equal((await other.next("host_changed")).payload.host_id, other.id);
  assert.equal(other.readyState, WebSocket.OPEN);
});

Deno.test("token expiry: a re-auth before the deadline moves it; a failed re-auth does not", async () => {
  await using test = startTestServer({ env: AUTH_ENV });
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  const start = clock.now();
  client.send("auth", { token: tokenFor(start, 100) }); // refused from start + 160 s
  await client.next("auth_success");
  clock.advance(150_000);
  client.send("auth", { token: tokenFor(clock.now(), 100) }); // refused from start + 310 s
  await client.next("auth_success");
  // A refresh that fails (wrong signature), however late its exp, changes nothing.
  client.send("auth", { token: tokenFor(clock.now(), 3_600, "x".repeat(40)) });
  await client.next("error");

  clock.advance(10_000); // start + 160 s: the first token's deadline, now moved
  await client.barrier();
  clock.advance(150_000 - 1);
  await client.barrier();
  assert.equal(client.readyState, WebSocket.OPEN);
  clock.advance(1); // start + 310 s
  const closed = await client.closedEvent;
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, "token expired");
});

Deno.test("token expiry: auth off never closes a session for time", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using client = await TestClient.connect(test.wsUrl);
  client.send("auth", { user_name: "Nobody" });
  await client.next("auth_success");
  clock.advance(365 * 24 * 3_600_000);
  await client.barrier();
  assert.equal(client.readyState, WebSocket.OPEN);
});
