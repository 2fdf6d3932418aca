/**
 * Continuity over real sockets: a host cut off without a close frame comes back within the
 * grace on a new socket, is host of the same room, and gets every message it missed in seq
 * order while its members never saw the room close; and the resume token's rules.
 */
import assert from "node:assert/strict";
import { ERRORS, RESUME_GRACE_MS, type ServerMessage } from "../../protocol/mod.ts";
import { disposedTogether } from "../helpers/disposable.ts";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { connectClients } from "../helpers/session.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";
import { AUDIENCE, claims, ISSUER, SECRET, signHs256 } from "../helpers/tokens.ts";

type Message = ServerMessage & { seq?: number };

/** Reads text messages from a raw socket until `stop` says so. */
async function readUntil(socket: RawWebSocket, stop: (m: Message) => boolean): Promise<Message[]> {
  const seen: Message[] = [];
  for (;;) {
    const frame = await socket.readFrame();
    if (!frame) return seen;
    if (frame.opcode !== 1) continue;
    const message = JSON.parse(new TextDecoder().decode(frame.payload)) as Message;
    seen.push(message);
    if (stop(message)) return seen;
  }
}

Deno.test("acceptance: a host cut off (no close frame) resumes within the grace: same room, host, every missed message in seq order", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  using host = await RawWebSocket.connect(test.port);
  await using clients = await connectClients(test, 2);
  const [a, b] = clients;
  const [hello] = await readUntil(host, (m) => m.type === "client_hello");
  const { client_id: hostId, resume_token: token } =
    (hello as Extract<Message, { type: "client_hello" }>).payload;
  await host.sendJson({ type: "create_room", room: "", payload: { name: "Film" }, ts: 1 });
  const created = await readUntil(host, (m) => m.type === "room_state");
  const roomId = created.at(-1)!.room!;
  for (const guest of [a!, b!]) {
    guest.send("join_room", {}, roomId);
    await guest.next("room_state");
  }
  const before = await readUntil(
    host,
    (m) => m.type === "participants_update" && m.client === b!.id,
  );
  const lastSeq = before.at(-1)!.seq!;

  host.abort(); // the TCP connection ends; no close frame
  await test.server.whenGone(hostId);
  // Meanwhile the room goes on: readiness, chat, a member leaving.
  a!.send("ready", {}, roomId);
  await a!.nextOf("participants_update", (m) => m.client === a!.id, "a ready");
  a!.send("chat_message", { text: "is the host gone?" }, roomId);
  await a!.next("chat_message");
  b!.send("leave_room", {}, roomId);
  await a!.next("client_left");
  clock.advance(RESUME_GRACE_MS - 1);

  const back = await RawWebSocket.connect(test.port);
  await readUntil(back, (m) => m.type === "client_hello");
  await back.sendJson({ type: "resume", room: "", payload: { token, last_seq: lastSeq }, ts: 2 });
  const resumed = await readUntil(back, (m) => m.type === "client_left");
  const first = resumed.find((m) => m.type === "resumed") as Extract<
    Message,
    { type: "resumed" }
  >;
  const { resume_token: fresh, ...rest } = first.payload;
  assert.deepEqual(rest, { client_id: hostId, room: roomId, replayed: 3, state_follows: false });
  // A fresh token, for this session: it is the one to keep for the next drop.
  assert.ok(fresh && fresh !== token);
  const replayed = resumed.slice(resumed.indexOf(first) + 1);
  // What the host missed (the room told the others it was away; not the host itself).
  assert.deepEqual(replayed.map((m) => m.type), [
    "participants_update", // a is ready
    "chat_message",
    "client_left", // b left
  ]);
  const replayedSeqs = replayed.map((m) => m.seq!);
  assert.ok(replayedSeqs[0]! > lastSeq);
  assert.deepEqual(replayedSeqs, [...replayedSeqs].sort((x, y) => x - y));
  // Host of the same room: its command reaches the member.
  await back.sendJson({
    type: "player_event",
    room: roomId,
    payload: { action: "seek", position: 60, play_state: "paused" },
    ts: 3,
  });
  assert.equal((await a!.next("player_event")).payload.position, 60);
  assert.ok(!a!.received.some((m) => m.type === "room_closed"));
  assert.equal(test.server.registry.get(roomId)!.hostId, hostId);
  back.abort();
});

Deno.test("resume tokens: forged, expired, someone else's while its owner is here, after the grace", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [owner, thief, member] = clients;
  const token = (owner!.received[0] as Extract<ServerMessage, { type: "client_hello" }>).payload
    .resume_token;
  owner!.send("create_room", {});
  const roomId = (await owner!.next("room_state")).room!;
  member!.send("join_room", {}, roomId);
  await member!.next("room_state");
  const refusal = async (payload: unknown) => {
    thief!.send("resume", payload);
    return (await thief!.next("error")).payload.message;
  };
  const [header, body] = token.split(".");
  assert.equal(
    await refusal({ token: `${header}.${body}.forged` }),
    ERRORS.resumeInvalid.message,
  );
  assert.equal(await refusal({ token: "not a token" }), ERRORS.resumeInvalid.message);
  // The owner is connected: its session cannot be taken.
  assert.equal(await refusal({ token }), ERRORS.sessionInUse.message);
  // The owner drops; the grace runs out; the token no longer brings anything back.
  await owner!.close();
  await test.server.whenGone(owner!.id);
  clock.advance(RESUME_GRACE_MS);
  assert.equal(await refusal({ token }), ERRORS.sessionExpired.message);
  // And a token past its own lifetime is refused whatever the session.
  clock.advance(25 * 3_600_000);
  assert.equal(await refusal({ token }), ERRORS.resumeInvalid.message);
  assert.equal(thief!.readyState, WebSocket.OPEN);
});

Deno.test("resume with auth on: only after auth, and only the same user's session", async () => {
  const env = { JWT_SECRET: SECRET, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER };
  await using test = startTestServer({ env });
  const clock = manualClockOf(test);
  const login = async (sub: string) => {
    const client = await TestClient.connect(test.wsUrl);
    client.send("auth", { token: signHs256(claims(clock.now(), { sub, name: sub })) });
    const success = await client.next("auth_success");
    return { client, resumeToken: success.payload.resume_token! };
  };
  const alice = await login("alice");
  const bob = await login("bob");
  const anonymous = await TestClient.connect(test.wsUrl);
  await using clients = disposedTogether([alice.client, bob.client, anonymous]);
  alice.client.send("create_room", {});
  const roomId = (await alice.client.next("room_state")).room!;
  bob.client.send("join_room", {}, roomId);
  await bob.client.next("room_state");
  await alice.client.close();
  await test.server.whenGone(alice.client.id);
  anonymous.send("resume", { token: alice.resumeToken });
  assert.equal((await anonymous.next("error")).payload.message, ERRORS.authRequired.message);
  // Bob holds Alice's token: refused, it is bound to her.
  const intruder = await login("bob");
  clients.push(intruder.client);
  intruder.client.send("resume", { token: alice.resumeToken });
  assert.equal(
    (await intruder.client.next("error")).payload.message,
    ERRORS.resumeInvalid.message,
  );
  // Alice, signed in again, gets her room and host role back.
  const back = await login("alice");
  clients.push(back.client);
  back.client.send("resume", { token: alice.resumeToken, last_seq: 0 });
  const resumed = await back.client.next("resumed");
  assert.equal(resumed.payload.room, roomId);
  assert.equal(test.server.registry.get(roomId)!.hostId, alice.client.id);
});
