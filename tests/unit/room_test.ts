import assert from "node:assert/strict";
import {
  DEFAULT_TIMINGS,
  ERRORS,
  MAX_CHAT_CHARS,
  type PlayerAction,
  type PlayState,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import type { Room } from "../../rooms/room.ts";
import { participantEntry } from "../helpers/expected.ts";
import { FakeMember } from "../helpers/fake_member.ts";

const T = DEFAULT_TIMINGS;
const ARRIVAL = { atServerTs: null, deferred: false } as const;

/** A registry on a ManualClock with one room: a host plus `others` joined members. */
function party(others = 2, maxMembers = 20) {
  const clock = new ManualClock();
  const registry = new RoomRegistry({
    clock,
    timings: T,
    maxMembersPerRoom: maxMembers,
    maxRooms: 100,
    newRoomId: () => "room-1",
  });
  const host = new FakeMember("host", "Hana");
  const room = registry.create({ host, name: "Movie night", mediaId: "abc", startPosition: 12 })!;
  const members = Array.from({ length: others }, (_, i) => new FakeMember(`m${i + 1}`));
  for (const member of members) {
    registry.ports.attach(member.id, member);
    room.post({ kind: "join", from: member });
  }
  const everyone = [host, ...members];
  const clear = () => everyone.forEach((m) => m.clear());
  clear();
  return { clock, registry, room, host, members, everyone, clear };
}

/** A player_event as the upstream host sends it: no at_server_ts, not deferred. */
function command(
  room: Room,
  from: FakeMember,
  action: PlayerAction,
  position: number,
  playState: PlayState | null = null,
) {
  room.post({ kind: "player_event", from, action, position, playState, timing: ARRIVAL });
}

function play(room: Room, host: FakeMember, position: number) {
  command(room, host, "play", position);
}

function readyAll(room: Room, members: FakeMember[]) {
  for (const member of members) room.post({ kind: "ready", from: member });
}

Deno.test("the creator is host, a member and ready; the room starts paused at start_pos", () => {
  const clock = new ManualClock();
  const registry = new RoomRegistry({ clock, timings: T, maxMembersPerRoom: 20, maxRooms: 5 });
  const host = new FakeMember("host", "Hana");
  const room = registry.create({ host, name: "Film", mediaId: null, startPosition: 42 })!;
  const state = host.last("room_state")!;
  assert.deepEqual(state.payload, {
    name: "Film",
    host_id: "host",
    participant_count: 1,
    media_id: null,
    state: { position: 42, play_state: "paused" },
    media_url: null,
    participants: [participantEntry("host", "Hana", { host: true })],
    control: "host",
    handoff: false,
    playback_rate: 1,
    locked: false,
    unlisted: false,
    media_title: null,
    media_item_id: "0",
    queue: [],
  });
  assert.equal(state.server_ts, clock.now());
  assert.deepEqual(room.snapshot().readyIds, ["host"]);
  assert.equal(registry.roomOf("host"), room.id);
});

Deno.test("join: room_state to the joiner, participants_update to the others, not ready", () => {
  const { registry, room, host, members } = party(1);
  const newcomer = new FakeMember("new");
  registry.ports.attach(newcomer.id, newcomer);
  room.post({ kind: "join", from: newcomer });
  assert.deepEqual(newcomer.types(), ["room_state"]);
  assert.equal(newcomer.last("room_state")!.payload.participant_count, 3);
  for (const other of [host, ...members]) {
    assert.deepEqual(other.types(), ["participants_update"]);
    assert.equal(other.last("participants_update")!.payload.participant_count, 3);
  }
  assert.ok(!room.snapshot().readyIds.includes("new"));
});

Deno.test("joining the room you are in re-sends room_state only", () => {
  const { registry, room, host, members, clear } = party(1);
  clear();
  registry.ports.attach(members[0]!.id, members[0]!);
  room.post({ kind: "join", from: members[0]! });
  assert.deepEqual(members[0]!.types(), ["room_state"]);
  assert.deepEqual(host.types(), []);
  assert.equal(room.memberCount, 2);
});

Deno.test("a full room refuses a joiner with 'Room is full' and the room id", () => {
  const { registry, room } = party(2, 3);
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  const error = late.last("error")!;
  assert.equal(error.payload.message, ERRORS.roomFull.message);
  assert.equal(error.room, room.id);
  assert.equal(room.memberCount, 3);
});

Deno.test("a member leaving: the others get client_left with the new count", () => {
  const { room, registry, host, members } = party(2);
  room.post({ kind: "leave", from: members[0]! });
  const left = host.last("client_left")!;
  assert.equal(left.client, "m1");
  assert.equal(left.payload.participant_count, 2);
  assert.equal(members[1]!.last("client_left")!.client, "m1");
  assert.deepEqual(members[0]!.types(), []);
  assert.equal(registry.roomOf("m1"), undefined);
});

Deno.test("leave when not in the room has no effect and no error", () => {
  const { room, everyone } = party(1);
  room.post({ kind: "leave", from: new FakeMember("stranger") });
  for (const member of everyone) assert.deepEqual(member.types(), []);
});

Deno.test("the host leaving closes the room: room_closed with reason to the rest", () => {
  const { room, registry, host, members, clock } = party(2);
  room.post({ kind: "leave", from: host });
  for (const member of members) {
    const closed = member.last("room_closed")!;
    assert.equal(closed.payload.reason, "Host left the room");
    assert.equal(closed.payload.code, "host_left");
    assert.equal(closed.room, room.id);
  }
  assert.deepEqual(host.types(), []);
  assert.ok(room.closed);
  assert.equal(registry.get(room.id), undefined);
  assert.equal(registry.roomOf("m1"), undefined);
  // A closed room ignores commands.
  room.post({ kind: "chat", from: members[0]!, text: "hello?" });
  assert.equal(members[0]!.all("chat_message").length, 0);
  // Nothing of the room's outlives it: time passing brings nobody anything.
  for (const member of [host, ...members]) member.clear();
  clock.advance(10_000);
  for (const member of [host, ...members]) assert.deepEqual(member.types(), []);
});

Deno.test("play with everyone ready goes to ALL members at now+1500, on the host's timeline", () => {
  const { room, host, members, everyone, clock } = party(2);
  readyAll(room, members);
  play(room, host, 30);
  const target = clock.now() + T.playScheduleMs;
  for (const member of everyone) {
    const event = member.last("player_event")!;
    // The upstream host played when its command arrived: 1.5 s later it is at 31.5. The
    // upstream point (server_ts, position) is 300 ms earlier on the same timeline.
    assert.deepEqual(event.payload, {
      action: "play",
      position: 31.2,
      play_state: "playing",
      target_server_ts: target,
      position_at_target: 31.5,
    });
    assert.equal(event.server_ts, target - T.legacyClientLeadMs);
    assert.equal(event.client, "host");
  }
  // One encode for the whole broadcast.
  assert.equal(host.frames.at(-1), members[0]!.frames.at(-1));
});

Deno.test("play waits for every member to be ready, then fires at now+1500 on the last ready", () => {
  const { room, host, members, everyone, clock } = party(2);
  play(room, host, 30);
  for (const member of everyone) assert.equal(member.all("player_event").length, 0);
  clock.advance(700);
  room.post({ kind: "ready", from: members[0]! });
  assert.equal(host.all("player_event").length, 0);
  clock.advance(300);
  room.post({ kind: "ready", from: members[1]! });
  for (const member of everyone) {
    const event = member.last("player_event")!;
    assert.equal(event.payload.target_server_ts, clock.now() + T.playScheduleMs);
    // The host has played since its command arrived 1 s ago: 1 s + 1.5 s of schedule.
    assert.equal(event.payload.position_at_target, 32.5);
  }
  // The ready-wait timer was cancelled: nothing fires again.
  clock.advance(10_000);
  assert.equal(host.all("player_event").length, 1);
});

Deno.test("the wait ends at MAX_READY_WAIT_MS even if a member never gets ready", () => {
  const { room, host, everyone, clock } = party(2);
  play(room, host, 5);
  clock.advance(T.maxReadyWaitMs - 1);
  assert.equal(host.all("player_event").length, 0);
  clock.advance(1);
  for (const member of everyone) {
    const event = member.last("player_event")!;
    assert.equal(event.payload.action, "play");
    assert.equal(event.payload.target_server_ts, clock.now() + T.playScheduleMs);
  }
});

Deno.test("a not-ready member leaving completes the ready set and fires the play", () => {
  const { room, host, members, clock } = party(2);
  room.post({ kind: "ready", from: members[0]! });
  play(room, host, 7);
  clock.advance(100);
  members[0]!.clear();
  room.post({ kind: "leave", from: members[1]! });
  // The play fires, and the waiting is over.
  assert.deepEqual(members[0]!.types(), ["client_left", "player_event", "waiting_on"]);
  assert.equal(host.last("player_event")!.payload.target_server_ts, clock.now() + T.playScheduleMs);
});

Deno.test("ready from a non-member is ignored and never counts", () => {
  const { room, host, members } = party(1);
  play(room, host, 0);
  room.post({ kind: "ready", from: new FakeMember("outsider") });
  assert.equal(host.all("player_event").length, 0);
  assert.deepEqual(room.snapshot().readyIds, ["host"]);
  room.post({ kind: "ready", from: members[0]! });
  assert.equal(host.all("player_event").length, 1);
});

Deno.test("pause cancels a pending play", () => {
  const { room, host, members, clock } = party(2);
  play(room, host, 10);
  command(room, host, "pause", 10, null);
  clock.advance(T.maxReadyWaitMs * 3);
  readyAll(room, members);
  assert.equal(host.all("player_event").filter((e) => e.payload.action === "play").length, 0);
  assert.equal(room.snapshot().playback.playState, "paused");
});

Deno.test("seek cancels a pending play and restores the play_state from before it", () => {
  const { room, host, members, clock } = party(1);
  play(room, host, 10);
  command(room, host, "seek", 50, null);
  clock.advance(T.maxReadyWaitMs * 2);
  room.post({ kind: "ready", from: members[0]! });
  assert.deepEqual(members[0]!.all("player_event").map((e) => e.payload.action), ["seek"]);
  assert.equal(room.snapshot().playback.playState, "paused");
  assert.equal(room.snapshot().playback.position, 50);
});

for (const action of ["pause", "seek", "buffering"] as const) {
  Deno.test(`${action} goes to the other members at now+300, not back to the host`, () => {
    const { room, host, members, clock } = party(2);
    command(room, host, action, 61.5, "playing");
    const target = clock.now() + T.controlScheduleMs;
    for (const member of members) {
      const event = member.last("player_event")!;
      assert.deepEqual(event.payload, {
        action,
        position: 61.5,
        play_state: action === "pause" ? "paused" : "playing",
        target_server_ts: target,
        // A seek while playing runs on from its arrival; pause and buffering hold.
        position_at_target: action === "seek" ? 61.8 : 61.5,
      });
      assert.equal(event.server_ts, target);
    }
    assert.equal(host.all("player_event").length, 0);
    const playback = room.snapshot().playback;
    assert.equal(playback.position, 61.5);
    // play_state from the payload applies to seek/buffering; pause is always paused.
    assert.equal(playback.playState, action === "pause" ? "paused" : "playing");
  });
}

Deno.test("player_event from a non-host: error and nothing changes", () => {
  const { room, host, members } = party(1);
  const before = room.snapshot();
  command(room, members[0]!, "play", 99, null);
  assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostPlayback.message);
  assert.deepEqual(room.snapshot(), before);
  assert.deepEqual(host.types(), []);
});

Deno.test("state_update from a non-host gets an error", () => {
  const { room, members } = party(1);
  room.post({ kind: "state_update", from: members[0]!, position: 5, playState: "playing" });
  assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostState.message);
});

Deno.test("accepted state_update is relayed to the others with server_ts = now", () => {
  const { room, host, members, clock } = party(2);
  clock.advance(5_000);
  room.post({ kind: "state_update", from: host, position: 20, playState: "paused" });
  room.post({ kind: "state_update", from: host, position: 20, playState: "playing" });
  for (const member of members) {
    const updates = member.all("state_update");
    // The first moved 8 s from 12 (accepted); the second changed play_state (accepted).
    assert.equal(updates.length, 2);
    assert.deepEqual(updates[1]!.payload, { position: 20, play_state: "playing" });
    assert.equal(updates[1]!.server_ts, clock.now());
  }
  assert.equal(host.all("state_update").length, 0);
});

Deno.test("state_update filters at their boundaries, through the room", async (t) => {
  await t.step("cooldown after a player_event: 1999 ms dropped, 2000 ms accepted", () => {
    const { room, host, members, clock } = party(1);
    command(room, host, "seek", 100, "paused");
    clock.advance(T.commandCooldownMs - 1);
    room.post({ kind: "state_update", from: host, position: 110, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 0);
    clock.advance(1);
    room.post({ kind: "state_update", from: host, position: 110, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 1);
  });
  await t.step("interval: 499 ms after an accepted update dropped, 500 ms accepted", () => {
    const { room, host, members, clock } = party(1);
    room.post({ kind: "state_update", from: host, position: 20, playState: "paused" });
    clock.advance(T.minStateUpdateIntervalMs - 1);
    room.post({ kind: "state_update", from: host, position: 30, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 1);
    clock.advance(1);
    room.post({ kind: "state_update", from: host, position: 30, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 2);
  });
  await t.step(
    "jitter: Δ of -2 s dropped, -2.001 s accepted, measured from the last accepted",
    () => {
      const { room, host, members, clock } = party(1);
      room.post({ kind: "state_update", from: host, position: 50, playState: "paused" });
      clock.advance(10_000); // extrapolation must not matter: the room is paused anyway
      room.post({ kind: "state_update", from: host, position: 48, playState: "paused" });
      assert.equal(members[0]!.all("state_update").length, 1);
      room.post({ kind: "state_update", from: host, position: 47.999, playState: "paused" });
      assert.equal(members[0]!.all("state_update").length, 2);
    },
  );
  await t.step("insignificant advance: Δ of 0.499 s dropped, 0.5 s accepted", () => {
    const { room, host, members, clock } = party(1);
    room.post({ kind: "state_update", from: host, position: 50, playState: "paused" });
    clock.advance(T.minStateUpdateIntervalMs);
    room.post({ kind: "state_update", from: host, position: 50.499, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 1);
    room.post({ kind: "state_update", from: host, position: 50.5, playState: "paused" });
    assert.equal(members[0]!.all("state_update").length, 2);
  });
  await t.step("a play_state change passes even inside the cooldown and interval", () => {
    const { room, host, members, clock } = party(1);
    command(room, host, "seek", 10, "paused");
    clock.advance(T.controlScheduleMs); // the seek has executed; the cooldown runs on
    room.post({ kind: "state_update", from: host, position: 10, playState: "playing" });
    assert.equal(members[0]!.all("state_update").length, 1);
  });
});

Deno.test("room_state position is extrapolated while playing, from the play's anchor", () => {
  const { registry, room, host, members, clock } = party(1);
  readyAll(room, members);
  play(room, host, 100);
  clock.advance(T.playScheduleMs + 4_000);
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  // The upstream host has played since its command arrived 5.5 s ago.
  assert.deepEqual(late.last("room_state")!.payload.state, {
    position: 105.5,
    play_state: "playing",
  });
});

Deno.test("chat goes to every member including the sender, with the name the room knows", () => {
  const { registry, room, everyone, members } = party(2);
  // A connection renamed behind the room's back changes nothing; a join with a name does.
  members[0]!.name = "Not told";
  registry.ports.attach(members[0]!.id, members[0]!);
  room.post({ kind: "join", from: members[0]!, name: "Mia" });
  room.post({ kind: "chat", from: members[0]!, text: "  hello 👋  " });
  for (const member of everyone) {
    const chat = member.last("chat_message")!;
    assert.equal(chat.client, "m1");
    assert.deepEqual(chat.payload, { username: "Mia", text: "hello 👋" });
  }
});

Deno.test("chat rules: not a member, empty, and length in code points", () => {
  const { registry, room, host } = party(0);
  const outsider = new FakeMember("out");
  registry.ports.attach(outsider.id, outsider);
  room.post({ kind: "chat", from: outsider, text: "hi" });
  assert.equal(outsider.last("error")!.payload.message, ERRORS.notInRoom.message);
  room.post({ kind: "chat", from: host, text: " \n\t " });
  assert.equal(host.last("error")!.payload.message, ERRORS.chatEmpty.message);
  // 500 emoji are 1000 UTF-16 units and 2000 bytes, yet exactly the limit.
  room.post({ kind: "chat", from: host, text: "😀".repeat(MAX_CHAT_CHARS) });
  assert.equal(host.last("chat_message")!.payload.text.length, MAX_CHAT_CHARS * 2);
  room.post({ kind: "chat", from: host, text: "a".repeat(MAX_CHAT_CHARS + 1) });
  assert.equal(host.last("error")!.payload.message, ERRORS.chatTooLong.message);
});

Deno.test("a closed room's timers never fire", () => {
  const { room, host, members, clock } = party(2);
  play(room, host, 0);
  room.post({ kind: "leave", from: host });
  for (const member of members) member.clear();
  clock.advance(T.maxReadyWaitMs * 5);
  for (const member of members) assert.deepEqual(member.types(), []);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("a command posted during another runs after it, not inside it", () => {
  const { room, host, members } = party(1);
  // m1's socket "closes" while it receives the chat broadcast: its leave must wait its turn.
  members[0]!.onSend = (frame) => {
    if (frame.message.type === "chat_message") room.post({ kind: "leave", from: members[0]! });
  };
  room.post({ kind: "chat", from: host, text: "bye" });
  assert.deepEqual(host.types(), ["chat_message", "client_left"]);
});

Deno.test("the ready set stays a subset of the members through churn", () => {
  const { registry, room, host, members } = party(3);
  readyAll(room, members);
  room.post({ kind: "leave", from: members[1]! });
  registry.ports.attach(members[1]!.id, members[1]!);
  room.post({ kind: "join", from: members[1]! });
  const snapshot = room.snapshot();
  for (const id of snapshot.readyIds) assert.ok(snapshot.memberIds.includes(id));
  assert.ok(!snapshot.readyIds.includes("m2"));
  assert.ok(snapshot.memberIds.includes(host.id));
});
