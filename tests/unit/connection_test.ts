import assert from "node:assert/strict";
import { ERRORS, RATE_LIMIT_PER_SECOND, type ServerMessage } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import type { Authenticator, AuthResult } from "../../server/auth.ts";
import { AddressBook } from "../../server/addresses.ts";
import { defaultConfig } from "../../server/config.ts";
import { Connection, MAX_WAITING_FRAMES, type Socket } from "../../server/connection.ts";
import { silentLogger } from "../../server/log.ts";
import { ServerMetrics } from "../../server/metrics.ts";
import { InviteTokens } from "../../server/invites.ts";
import { ResumeTokens } from "../../server/resume_tokens.ts";

/** 2100-01-01: further than one runtime timer can wait. */
const FAR_FUTURE = Date.UTC(2100, 0, 1);

/** An authenticator whose answers the test gives, one token check at a time. */
class ManualAuthenticator implements Authenticator {
  readonly pending: ((result: AuthResult) => void)[] = [];
  verify(): Promise<AuthResult> {
    return new Promise((resolve) => this.pending.push(resolve));
  }
  accept(name: string, expiresAt = FAR_FUTURE): void {
    this.pending.shift()!({ ok: true, identity: { userId: "u", userName: name, expiresAt } });
  }
}

class FakeSocket implements Socket {
  readonly sent: ServerMessage[] = [];
  readonly closes: number[] = [];
  bufferedAmount = 0;
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(code: number): void {
    this.closes.push(code);
  }
}

function connection(authenticator: Authenticator | null) {
  const clock = new ManualClock();
  const config = defaultConfig({ JWT_SECRET: authenticator ? "x".repeat(32) : "" });
  const registry = new RoomRegistry({
    clock,
    timings: config.timings,
    maxMembersPerRoom: 20,
    maxRooms: 10,
  });
  const conn = new Connection({
    clock,
    directory: registry,
    config,
    log: silentLogger,
    authenticator,
    metrics: new ServerMetrics(),
    resumeTokens: new ResumeTokens("a test secret"),
    invites: new InviteTokens("a test secret"),
    onGone: () => {},
  }, new AddressBook(clock, config.limits.roomCreationsPerMinute).acquire("192.0.2.1"));
  const socket = new FakeSocket();
  conn.open(socket);
  const frame = (type: string, payload: unknown = {}) =>
    JSON.stringify({ type, room: "", payload, ts: 1 });
  return { conn, socket, frame, clock };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("frames behind a pending token check wait, then run in the order they came", async () => {
  const auth = new ManualAuthenticator();
  const { conn, socket, frame, clock } = connection(auth);
  conn.receive(frame("auth", { token: "t" }));
  conn.receive(frame("create_room", {}));
  conn.receive(frame("ping", { n: 1 }));
  assert.deepEqual(socket.sent.map((m) => m.type), ["client_hello"]);
  auth.accept("Alice");
  await settle();
  assert.deepEqual(socket.sent.map((m) => m.type), [
    "client_hello",
    "auth_success",
    "room_list",
    "room_state",
    "pong",
  ]);
  clock.advance(10_000); // the auth timeout was cleared: nothing closes
  assert.ok(conn.isOpen);
});

Deno.test("a flood behind a token check: one 'Rate limit exceeded', the rest dropped", async () => {
  const auth = new ManualAuthenticator();
  const { conn, socket, frame } = connection(auth);
  conn.receive(frame("auth", { token: "t" }));
  for (let i = 0; i < MAX_WAITING_FRAMES + 10; i++) conn.receive(frame("ping", { n: i }));
  const errors = socket.sent.filter((m) => m.type === "error");
  assert.equal(errors.length, 1);
  assert.equal((errors[0]!.payload as { message: string }).message, ERRORS.rateLimited.message);
  auth.accept("Alice");
  await settle();
  // The 64 that waited are handled in order, within one rate window (the clock did not move)
  // that the auth frame opened: it took one of the 30 places, so the first 29 pings are
  // answered and the other 35 are dropped.
  const pongs = socket.sent.filter((m) => m.type === "pong").map((m) =>
    (m.payload as { n: number }).n
  );
  const answered = RATE_LIMIT_PER_SECOND - 1;
  assert.ok(answered < MAX_WAITING_FRAMES, "the test needs more waiting frames than budget");
  assert.deepEqual(pongs, Array.from({ length: answered }, (_, i) => i));
});

Deno.test("the token expiry timer goes with the connection, whoever closed it", async () => {
  const auth = new ManualAuthenticator();
  const { conn, socket, frame, clock } = connection(auth);
  const timersBefore = clock.pendingTimers; // the auth timeout
  conn.receive(frame("auth", { token: "t" }));
  auth.accept("Alice", clock.now() + 3_600_000);
  await settle();
  assert.ok(conn.authenticated);
  assert.equal(clock.pendingTimers, timersBefore, "auth timeout cleared, expiry armed");
  conn.closed(1006);
  assert.equal(clock.pendingTimers, 0);
  clock.advance(2 * 3_600_000);
  assert.deepEqual(socket.closes, []);
});
