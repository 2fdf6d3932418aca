/**
 * Continuity on a ManualClock: members whose connection drops are away for the resume grace,
 * resume with their id, room and role and get what they missed in seq order; the host role
 * passes on when a host never returns; and the races between a resume and the clock.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_TIMINGS,
  ERRORS,
  REPLAY_BUFFER_MESSAGES,
  RESUME_GRACE_MS,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import type { Room } from "../../rooms/room.ts";
import { FakeMember } from "../helpers/fake_member.ts";

const T = DEFAULT_TIMINGS;
const ARRIVAL = { atServerTs: null, deferred: false } as const;

function party(options: { members?: number; handoff?: boolean } = {}) {
  const clock = new ManualClock();
  const registry = new RoomRegistry({
    clock,
    timings: T,
    maxMembersPerRoom: 20,
    maxRooms: 10,
    resumeGraceMs: RESUME_GRACE_MS,
    newRoomId: () => "room-1",
  });
  const host = new FakeMember("host");
  const room: Room = registry.create({
    host,
    name: "Film",
    mediaId: null,
    startPosition: 0,
    handoff: options.handoff,
  })!;
  const members = Array.from(
    { length: options.members ?? 2 },
    (_, i) => new FakeMember(`m${i + 1}`),
  );
  for (const member of members) {
    registry.ports.attach(member.id, member);
    room.post({ kind: "join", from: member });
  }
  const everyone = [host, ...members];
  everyone.forEach((m) => m.clear());
  /** A new connection for `id`'s session (a fresh random id until the resume is accepted). */
  const reconnect = (id: string, lastSeq: number | null = null) => {
    const connection = new FakeMember(`new-${id}`, id);
    registry.ports.attach(connection.id, connection); // connected
    const error = registry.resume(connection, id, lastSeq);
    return { connection, error };
  };
  return { clock, registry, room, host, members, everyone, reconnect };
}

const seqs = (member: FakeMember) => member.received.map((m) => (m as { seq?: number }).seq);

Deno.test("every message a room sends carries an increasing seq", () => {
  const { room, host, members } = party();
  room.post({ kind: "chat", from: members[0]!, text: "a" });
  room.post({ kind: "ready", from: members[0]! });
  room.post({ kind: "chat", from: host, text: "b" });
  // Three broadcasts (a chat, the readiness, a chat): the next three numbers, none skipped.
  const seen = seqs(host);
  assert.equal(typeof seen[0], "number");
  assert.deepEqual(seen, [seen[0], seen[0]! + 1, seen[0]! + 2]);
});

Deno.test("a dropped member is away: others see it, it holds no play back, and leaves after the grace", () => {
  const { clock, registry, room, host, members } = party();
  room.post({ kind: "ready", from: members[0]! });
  room.post({
    kind: "player_event",
    from: host,
    action: "play",
    position: 0,
    playState: null,
    timing: ARRIVAL,
  });
  assert.equal(host.all("player_event").length, 0); // m2 is not ready: pending
  registry.memberAway(members[1]!.id);
  const away = host.last("participants_update")!;
  assert.deepEqual(away.payload.participants.map((p) => p.away), [false, false, true]);
  assert.equal(away.payload.participant_count, 3);
  // Away, it cannot become ready: the play goes ahead without it.
  assert.equal(host.all("player_event").length, 1);
  clock.advance(RESUME_GRACE_MS - 1);
  assert.equal(host.all("client_left").length, 0);
  clock.advance(1);
  assert.equal(host.last("client_left")!.client, "m2");
  assert.deepEqual(room.snapshot().memberIds, ["host", "m1"]);
  assert.equal(registry.roomOf("m2"), undefined);
});

Deno.test("resume within the grace: same id, room and readiness; the missed messages in seq order", () => {
  const { clock, registry, room, host, members, reconnect } = party();
  room.post({ kind: "ready", from: members[0]! });
  const lastSeq = seqs(members[0]!).at(-1)!;
  registry.memberAway(members[0]!.id);
  room.post({ kind: "chat", from: host, text: "while you were away" });
  room.post({
    kind: "player_event",
    from: host,
    action: "seek",
    position: 30,
    playState: "paused",
    timing: ARRIVAL,
  });
  clock.advance(RESUME_GRACE_MS - 1);
  const { connection, error } = reconnect("m1", lastSeq);
  assert.equal(error, null);
  assert.equal(connection.id, "m1");
  const [resumed, ...missed] = connection.received;
  assert.equal(resumed!.type, "resumed");
  assert.deepEqual(resumed!.payload, {
    client_id: "m1",
    resume_token: "",
    room: "room-1",
    replayed: 2,
    state_follows: false,
  });
  assert.deepEqual(missed.map((m) => m.type), ["chat_message", "player_event"]);
  const missedSeqs = missed.map((m) => (m as { seq?: number }).seq!);
  assert.ok(missedSeqs[0]! > lastSeq && missedSeqs[1]! > missedSeqs[0]!);
  // Back: not away, still ready, still a member; the others saw no leave and no join.
  const snapshot = room.snapshot();
  assert.deepEqual(snapshot.awayIds, []);
  assert.ok(snapshot.readyIds.includes("m1"));
  assert.equal(host.all("client_left").length, 0);
  assert.equal(host.last("participants_update")!.payload.participants[1]!.away, false);
  // The grace timer is gone with the absence: nothing happens when it would have fired.
  clock.advance(10);
  assert.ok(room.snapshot().memberIds.includes("m1"));
  // The new connection gets the room's traffic; the old one nothing more.
  const before = members[0]!.received.length;
  room.post({ kind: "chat", from: host, text: "welcome back" });
  assert.equal(connection.last("chat_message")!.payload.text, "welcome back");
  assert.equal(members[0]!.received.length, before);
});

Deno.test("resume with a gap older than the replay buffer: a fresh room_state instead", () => {
  const { registry, room, host, members, reconnect } = party();
  const lastSeq = seqs(members[0]!).at(-1) ?? 0;
  registry.memberAway(members[0]!.id);
  for (let i = 0; i < REPLAY_BUFFER_MESSAGES + 5; i++) {
    room.post({ kind: "chat", from: host, text: `${i}` });
  }
  const { connection } = reconnect("m1", lastSeq);
  // The room afresh: its state, and the chat the member missed (the last 50 messages).
  assert.deepEqual(connection.types(), ["resumed", "room_state", "chat_history"]);
  assert.equal(connection.last("resumed")!.payload.state_follows, true);
  assert.equal(connection.last("chat_history")!.payload.messages.length, 50);
});

Deno.test("resume without a last_seq (a reloaded page): a fresh room_state", () => {
  const { registry, members, reconnect } = party();
  registry.memberAway(members[0]!.id);
  assert.deepEqual(reconnect("m1").connection.types(), ["resumed", "room_state"]);
});

Deno.test("resume refusals: after the grace, while the owner is connected, twice, from inside a room", async (t) => {
  await t.step("the grace ran out: Session expired", () => {
    const { clock, registry, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    clock.advance(RESUME_GRACE_MS);
    assert.equal(reconnect("m1").error, ERRORS.sessionExpired);
  });
  await t.step("the owner is still connected: Session in use, nothing changes", () => {
    const { room, reconnect } = party();
    const { connection, error } = reconnect("m1");
    assert.equal(error, null); // accepted by the registry, refused by the room
    assert.equal(connection.last("error")!.payload.message, ERRORS.sessionInUse.message);
    assert.notEqual(connection.id, "m1");
    assert.deepEqual(room.snapshot().awayIds, []);
  });
  await t.step("two connections with the same token: the first wins, the second is refused", () => {
    const { registry, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    const first = reconnect("m1");
    const second = reconnect("m1");
    assert.equal(first.connection.id, "m1");
    assert.equal(second.connection.last("error")!.payload.message, ERRORS.sessionInUse.message);
    assert.notEqual(second.connection.id, "m1");
  });
  await t.step("a connection already in a room cannot take another session", () => {
    const { registry, members } = party();
    registry.memberAway(members[0]!.id);
    assert.equal(registry.resume(members[1]!, "m1", null), ERRORS.resumeTooLate);
  });
  await t.step("the room closed meanwhile: Session expired", () => {
    const { registry, host, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    registry.leaveCurrentRoom(host); // an explicit leave closes the room
    assert.equal(reconnect("m1").error, ERRORS.sessionExpired);
  });
});

Deno.test("race: a resume and the grace timer at the same instant; whichever the room takes first wins", async (t) => {
  await t.step("the timer first: the member has left, the resume is refused", () => {
    const { clock, registry, host, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    clock.advance(RESUME_GRACE_MS); // the timer fires at this instant
    const { error } = reconnect("m1");
    assert.equal(error, ERRORS.sessionExpired);
    assert.equal(host.last("client_left")!.client, "m1");
  });
  await t.step("the resume first: the timer that fires at that instant does nothing", () => {
    const { clock, registry, room, host, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    clock.advance(RESUME_GRACE_MS - 1);
    const { connection } = reconnect("m1");
    clock.advance(1);
    assert.equal(connection.id, "m1");
    assert.ok(room.snapshot().memberIds.includes("m1"));
    assert.equal(host.all("client_left").length, 0);
  });
  await t.step("away, back, away again: the first absence's timer is stale", () => {
    const { clock, registry, room, members, reconnect } = party();
    registry.memberAway(members[0]!.id);
    clock.advance(RESUME_GRACE_MS - 100);
    const { connection } = reconnect("m1");
    clock.advance(50);
    registry.memberAway(connection.id); // dropped again: a new grace from now
    clock.advance(100); // the first grace would have ended here
    assert.ok(room.snapshot().memberIds.includes("m1"));
    clock.advance(RESUME_GRACE_MS);
    assert.ok(!room.snapshot().memberIds.includes("m1"));
  });
});

Deno.test("host: a dropped host keeps its room through the grace and is host again on resume", () => {
  const { clock, registry, room, host, members, reconnect } = party();
  const lastSeq = seqs(host).at(-1) ?? 0;
  registry.memberAway(host.id);
  room.post({ kind: "chat", from: members[0]!, text: "where is the host?" });
  clock.advance(RESUME_GRACE_MS - 1);
  const { connection } = reconnect("host", lastSeq);
  assert.equal(room.hostId, "host");
  assert.equal(connection.last("chat_message")!.payload.text, "where is the host?");
  for (const member of members) assert.equal(member.all("room_closed").length, 0);
  // The host commands again.
  room.post({
    kind: "player_event",
    from: connection,
    action: "pause",
    position: 3,
    playState: null,
    timing: ARRIVAL,
  });
  assert.equal(members[0]!.last("player_event")!.payload.action, "pause");
});

Deno.test("host: one that never returns hands the room to the earliest joiner who is here", () => {
  const { clock, registry, room, host, members } = party({ members: 3 });
  registry.memberAway(members[0]!.id); // the earliest joiner is away too
  registry.memberAway(host.id);
  clock.advance(RESUME_GRACE_MS);
  assert.equal(room.hostId, "m2");
  for (const member of members.slice(1)) {
    const changed = member.last("host_changed")!;
    assert.deepEqual(changed.payload, {
      host_id: "m2",
      previous_host_id: "host",
      reason: "host_timeout",
    });
    assert.equal(member.last("room_state")!.payload.host_id, "m2");
    assert.equal(member.all("room_closed").length, 0);
  }
  // The old host may come back, but only as anyone does: its session is over.
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late); // connected
  assert.equal(registry.resume(late, "host", null), ERRORS.sessionExpired);
});

Deno.test("host: alone and gone past the grace, the room closes", () => {
  const { clock, registry, host } = party({ members: 0 });
  registry.memberAway(host.id);
  clock.advance(RESUME_GRACE_MS);
  assert.equal(registry.roomCount, 0);
});

Deno.test("explicit leave: the room closes, unless it was made with handoff", async (t) => {
  await t.step("without handoff: closes (the upstream behaviour)", () => {
    const { registry, host, members } = party();
    registry.leaveCurrentRoom(host);
    assert.equal(members[0]!.last("room_closed")!.payload.reason, "Host left the room");
    assert.equal(registry.roomCount, 0);
  });
  await t.step("with handoff: the earliest joiner hosts at once", () => {
    const { registry, room, host, members } = party({ handoff: true });
    registry.leaveCurrentRoom(host);
    assert.equal(room.hostId, "m1");
    assert.equal(members[1]!.last("host_changed")!.payload.reason, "host_left");
    assert.equal(members[1]!.all("room_closed").length, 0);
  });
});

Deno.test("transfer_host: only the host, only to a member", () => {
  const { room, host, members } = party();
  room.post({ kind: "transfer_host", from: members[0]!, to: "m1" });
  assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostTransfer.message);
  room.post({ kind: "transfer_host", from: host, to: "nobody" });
  assert.equal(host.last("error")!.payload.message, ERRORS.noSuchMember.message);
  room.post({ kind: "transfer_host", from: host, to: "m2" });
  assert.equal(room.hostId, "m2");
  assert.deepEqual(members[0]!.last("host_changed")!.payload, {
    host_id: "m2",
    previous_host_id: "host",
    reason: "transfer",
  });
  // The new host commands; the old one no longer may.
  room.post({
    kind: "player_event",
    from: host,
    action: "pause",
    position: 1,
    playState: null,
    timing: ARRIVAL,
  });
  assert.equal(host.last("error")!.payload.message, ERRORS.notHostPlayback.message);
  room.post({
    kind: "player_event",
    from: members[1]!,
    action: "pause",
    position: 1,
    playState: null,
    timing: ARRIVAL,
  });
  assert.equal(host.last("player_event")!.payload.action, "pause");
});
