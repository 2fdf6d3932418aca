/**
 * Room features over real sockets: the slow-member acceptance (whom the room waits for, start
 * anyway, the slow one starting in step, nobody else pausing), passwords and invites, and
 * paged room lists.
 */
import assert from "node:assert/strict";
import { DEFAULT_TIMINGS, ERRORS, PASSWORD_ATTEMPTS_PER_MINUTE } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const T = DEFAULT_TIMINGS;

Deno.test("acceptance: one slow member: everyone sees whom the room waits for, the host starts anyway, the slow one starts in step, nobody paused", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 3);
  const [host, quick, slow] = clients;
  const roomId = await makeRoom(host!, [quick!, slow!]);
  quick!.send("ready", { state: "ready" }, roomId);
  slow!.send("ready", { state: "loading" }, roomId);
  await slow!.barrier();
  host!.send("player_event", { action: "play", position: 0, at_server_ts: clock.now() }, roomId);
  for (const client of [host!, quick!]) {
    const waiting = await client.nextOf(
      "waiting_on",
      (m) => m.payload.waiting.length > 0,
      "a wait",
    );
    assert.deepEqual(waiting.payload.waiting.map((w) => [w.name, w.readiness]), [[
      "Guest",
      "loading",
    ]]);
    assert.equal(waiting.payload.deadline_ts, clock.now() + T.maxReadyWaitMs);
  }
  clock.advance(600);
  host!.send("start_anyway", {}, roomId);
  const play = await quick!.next("player_event");
  assert.equal(play.payload.target_server_ts, clock.now() + T.playScheduleMs);
  assert.equal(
    (await host!.next("player_event")).payload.target_server_ts,
    play.payload.target_server_ts,
  );
  assert.equal((await host!.next("waiting_on")).payload.waiting.length, 0);
  // The slow member gets ready 4 s into the film: its own play, on the room's timeline.
  clock.advance(T.playScheduleMs + 4_000);
  slow!.send("ready", { state: "ready" }, roomId);
  const catchUp = await slow!.nextOf(
    "player_event",
    (m) => m.payload.target_server_ts > play.payload.target_server_ts,
    "its own play",
  );
  const target = catchUp.payload.target_server_ts;
  const elapsed = (target - play.payload.target_server_ts) / 1000;
  assert.equal(catchUp.payload.position_at_target, play.payload.position_at_target + elapsed);
  // Nobody else was sent anything more: no pause, no second play.
  for (const client of [host!, quick!]) {
    const extra = (await client.drain()).filter((m) => m.type === "player_event");
    assert.deepEqual(extra, []);
  }
});

Deno.test("passwords: locked in the list; needed, wrong, right; wrong guesses budgeted; invites admit", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 3);
  const [host, guest, other] = clients;
  host!.send("create_room", { name: "Private", password: "open sesame" });
  const roomId = (await host!.next("room_state")).room!;
  assert.equal(
    (await guest!.nextOf("room_list", (m) => m.payload.length > 0, "the list")).payload[0]!
      .locked,
    true,
  );
  const refusal = async (payload: object) => {
    guest!.send("join_room", payload, roomId);
    return (await guest!.next("error")).payload.message;
  };
  assert.equal(await refusal({}), ERRORS.passwordRequired.message);
  assert.equal(await refusal({ password: "open barley" }), ERRORS.wrongPassword.message);
  guest!.send("join_room", { password: "open sesame" }, roomId);
  assert.equal((await guest!.next("room_state")).payload.locked, true);

  // Wrong guesses from one address are budgeted, all its connections together.
  for (let i = 1; i < PASSWORD_ATTEMPTS_PER_MINUTE; i++) {
    other!.send("join_room", { password: `guess ${i}` }, roomId);
    assert.equal((await other!.next("error")).payload.message, ERRORS.wrongPassword.message);
  }
  other!.send("join_room", { password: "open sesame" }, roomId);
  assert.equal((await other!.next("error")).payload.message, ERRORS.passwordAttempts.message);

  // An invite from the host admits without the password; a forged one does not.
  other!.send("join_room", { invite: "not.an.invite" }, roomId);
  assert.equal((await other!.next("error")).payload.message, ERRORS.inviteInvalid.message);
  guest!.send("create_invite", {}, roomId);
  assert.equal((await guest!.next("error")).payload.message, ERRORS.notHostSettings.message);
  host!.send("create_invite", { ttl_s: 3_600 }, roomId);
  const invite = await host!.next("invite");
  other!.send("join_room", { invite: invite.payload.token }, roomId);
  assert.equal((await other!.next("room_state")).room, roomId);
});

Deno.test("invites expire", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  await using clients = await connectClients(test, 2);
  const [host, guest] = clients;
  host!.send("create_room", { password: "secret" });
  const roomId = (await host!.next("room_state")).room!;
  host!.send("create_invite", { ttl_s: 60 }, roomId);
  const invite = await host!.next("invite");
  assert.equal(invite.payload.expires_at, Math.floor(clock.now() / 1000) * 1000 + 60_000);
  clock.advance(61_000);
  guest!.send("join_room", { invite: invite.payload.token }, roomId);
  assert.equal((await guest!.next("error")).payload.message, ERRORS.inviteInvalid.message);
});

Deno.test("list_rooms: a filter and a page, with the total; without them, the whole list", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 6);
  const [asker, ...hosts] = clients;
  for (const [i, host] of hosts.entries()) {
    host.send("create_room", { name: i % 2 ? `Series ${i}` : `Film ${i}` });
    await host.next("room_state");
  }
  asker!.send("list_rooms", { name: "film", limit: 2 });
  const first = await asker!.nextOf("room_list", (m) => m.total !== undefined, "a page");
  assert.equal(first.total, 3);
  assert.equal(first.payload.length, 2);
  asker!.send("list_rooms", { name: "film", limit: 2, after: first.next });
  const second = await asker!.nextOf("room_list", (m) => m.total !== undefined, "page 2");
  assert.deepEqual(second.payload.map((r) => r.name), ["Film 4"]);
  assert.equal(second.next, null);
  asker!.send("list_rooms", { after: "r1" });
  assert.equal((await asker!.next("error")).payload.code, "invalid_payload");
  await asker!.drain();
  asker!.send("list_rooms", {});
  const all = await asker!.next("room_list");
  assert.equal(all.payload.length, 5);
  assert.equal(all.total, undefined);
});
