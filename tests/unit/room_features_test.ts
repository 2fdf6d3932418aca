/**
 * Room features on a ManualClock: visible readiness and waiting_on, start_anyway, the first-load
 * and re-buffer waits, late-join catch-up, control policy and co-hosts, chat history, the
 * playback rate, paged room lists, and the races between them.
 */
import assert from "node:assert/strict";
import {
  CHAT_HISTORY_MESSAGES,
  type ControlPolicy,
  DEFAULT_TIMINGS,
  ERRORS,
  type PlayerAction,
  type Timings,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import type { Room } from "../../rooms/room.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { testRegistry } from "../helpers/registry.ts";

const ARRIVAL = { atServerTs: null, deferred: false } as const;

function party(options: { members?: number; control?: ControlPolicy; timings?: Timings } = {}) {
  const clock = new ManualClock();
  const timings = options.timings ?? DEFAULT_TIMINGS;
  const registry = new RoomRegistry({ clock, timings, maxMembersPerRoom: 20, maxRooms: 10 });
  const host = new FakeMember("host", "Hana");
  const room: Room = registry.create({
    host,
    name: "Film",
    mediaId: null,
    startPosition: 0,
    control: options.control,
  })!;
  const members = Array.from(
    { length: options.members ?? 2 },
    (_, i) => new FakeMember(`m${i + 1}`, `Member ${i + 1}`),
  );
  for (const member of members) {
    registry.ports.attach(member.id, member);
    room.post({ kind: "join", from: member });
  }
  const everyone = [host, ...members];
  everyone.forEach((m) => m.clear());
  const command = (from: FakeMember, action: PlayerAction, position: number) =>
    room.post({ kind: "player_event", from, action, position, playState: null, timing: ARRIVAL });
  const ready = (member: FakeMember, readiness = "ready" as const) =>
    room.post({ kind: "ready", from: member, readiness });
  return { clock, registry, room, host, members, everyone, command, ready, timings };
}

Deno.test("waiting_on: whom a play waits for, as it changes, and that it is over", () => {
  const { clock, room, host, members, command, ready } = party({ members: 3 });
  ready(members[0]!);
  room.post({ kind: "ready", from: members[1]!, readiness: "buffering" });
  command(host, "play", 10);
  const first = host.last("waiting_on")!.payload;
  assert.deepEqual(first.waiting, [
    { id: "m2", name: "Member 2", readiness: "buffering" },
    { id: "m3", name: "Member 3", readiness: "loading" },
  ]);
  assert.equal(first.deadline_ts, clock.now() + DEFAULT_TIMINGS.maxReadyWaitMs);
  // Everyone sees it, the waited-for included.
  for (const member of members) assert.equal(member.all("waiting_on").length, 1);
  ready(members[2]!);
  assert.deepEqual(host.last("waiting_on")!.payload.waiting.map((w) => w.id), ["m2"]);
  ready(members[1]!);
  assert.deepEqual(host.last("waiting_on")!.payload, { waiting: [], deadline_ts: null });
  assert.equal(host.all("player_event").length, 1);
  assert.equal(host.all("waiting_on").length, 3);
});

Deno.test("participants show each member's readiness; a change goes to everyone", () => {
  const { room, host, members } = party();
  room.post({ kind: "ready", from: members[0]!, readiness: "autoplay_blocked" });
  const update = host.last("participants_update")!.payload.participants;
  assert.deepEqual(update.map((p) => [p.id, p.readiness, p.ready]), [
    ["host", "ready", true],
    ["m1", "autoplay_blocked", false],
    ["m2", "loading", false],
  ]);
  // The same readiness again is not news.
  room.post({ kind: "ready", from: members[0]!, readiness: "autoplay_blocked" });
  assert.equal(host.all("participants_update").length, 1);
});

Deno.test("start_anyway: the play fires at once; only a controller; only when a play waits", () => {
  const { clock, room, host, members, command } = party();
  room.post({ kind: "start_anyway", from: host });
  assert.equal(host.last("error")!.payload.message, ERRORS.nothingPending.message);
  command(host, "play", 0);
  room.post({ kind: "start_anyway", from: members[0]! });
  assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostPlayback.message);
  clock.advance(500);
  room.post({ kind: "start_anyway", from: host });
  const play = members[1]!.last("player_event")!;
  assert.equal(play.payload.target_server_ts, clock.now() + DEFAULT_TIMINGS.playScheduleMs);
  // The upstream host has played since its command: 0.5 s, then the schedule.
  assert.equal(play.payload.position_at_target, 0.5 + DEFAULT_TIMINGS.playScheduleMs / 1000);
  clock.advance(DEFAULT_TIMINGS.maxReadyWaitMs);
  assert.equal(host.all("player_event").length, 1, "the wait timer went with the play");
});

Deno.test("first loads and re-buffers wait differently", async (t) => {
  const timings = { ...DEFAULT_TIMINGS, maxReadyWaitMs: 8_000, maxRebufferWaitMs: 3_000 };
  await t.step("a member still loading: the first-load wait", () => {
    const { clock, host, members, command, ready } = party({ timings, members: 2 });
    ready(members[0]!);
    command(host, "play", 0);
    assert.equal(host.last("waiting_on")!.payload.deadline_ts, clock.now() + 8_000);
  });
  await t.step("only members that were ready and now re-buffer: the shorter wait", () => {
    const { clock, room, host, members, command, ready } = party({ timings, members: 2 });
    for (const member of members) ready(member);
    room.post({ kind: "ready", from: members[1]!, readiness: "buffering" });
    command(host, "play", 0);
    assert.equal(host.last("waiting_on")!.payload.deadline_ts, clock.now() + 3_000);
    clock.advance(3_000);
    assert.equal(host.all("player_event").length, 1);
  });
});

Deno.test("late join while playing: its own scheduled play when ready; nobody else stops or waits", () => {
  const { registry, clock, room, host, members, command, ready } = party();
  for (const member of members) ready(member);
  command(host, "play", 100);
  clock.advance(10_000);
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  for (const member of [host, ...members]) member.clear();
  clock.advance(2_000);
  ready(late);
  const catchUp = late.last("player_event")!;
  const target = clock.now() + DEFAULT_TIMINGS.playScheduleMs;
  assert.equal(catchUp.payload.target_server_ts, target);
  // The upstream host played at 100 from its command's arrival, 12 s ago, plus the schedule.
  assert.equal(catchUp.payload.position_at_target, 100 + 12 + 1.5);
  for (const member of [host, ...members]) {
    assert.deepEqual(member.all("player_event"), [], "nobody else gets a command");
  }
  // A late joiner still loading does not hold the next play back.
  const later = new FakeMember("later");
  registry.ports.attach(later.id, later);
  room.post({ kind: "join", from: later });
  command(host, "pause", 120);
  command(host, "play", 120);
  assert.equal(host.all("player_event").filter((e) => e.payload.action === "play").length, 1);
});

Deno.test("race: a late joiner becoming ready while a seek is scheduled lands on the seek's timeline", () => {
  const { registry, clock, room, host, members, command, ready } = party({ members: 1 });
  ready(members[0]!);
  command(host, "play", 0);
  clock.advance(5_000);
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  room.post({
    kind: "player_event",
    from: host,
    action: "seek",
    position: 600,
    playState: "playing",
    timing: ARRIVAL,
  });
  clock.advance(100); // the seek's target is 300 ms after it
  ready(late);
  const catchUp = late.last("player_event")!;
  // The seek's timeline: 600 from its arrival, 0.1 s ago, plus the play schedule.
  assert.equal(catchUp.payload.position_at_target, 600 + 0.1 + 1.5);
});

Deno.test("race: start_anyway and the last ready in the same instant: one play, whichever came first", async (t) => {
  await t.step("ready first: start_anyway finds nothing waiting", () => {
    const { room, host, members, command, ready } = party({ members: 1 });
    command(host, "play", 0);
    ready(members[0]!);
    room.post({ kind: "start_anyway", from: host });
    assert.equal(host.all("player_event").length, 1);
    assert.equal(host.last("error")!.payload.code, ERRORS.nothingPending.code);
  });
  await t.step("start_anyway first: the ready that follows is the member catching up", () => {
    const { room, host, members, command, ready } = party({ members: 1 });
    command(host, "play", 0);
    room.post({ kind: "start_anyway", from: host });
    ready(members[0]!);
    assert.equal(host.all("player_event").length, 1, "one play for the room");
    // The late member: the room's play, then its own, on the same timeline, now it can play.
    const plays = members[0]!.all("player_event");
    assert.equal(plays.length, 2);
    assert.equal(plays[0]!.payload.target_server_ts, plays[1]!.payload.target_server_ts);
  });
});

Deno.test("control policy: host, cohosts, everyone; settings only by the host", async (t) => {
  await t.step("host (the default): members are refused as upstream", () => {
    const { host, members, command } = party();
    command(members[0]!, "pause", 1);
    assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostPlayback.message);
    assert.equal(host.all("player_event").length, 0);
  });
  await t.step("cohosts: a co-host commands, another member may not", () => {
    const { room, host, members, command } = party({ control: "cohosts" });
    room.post({ kind: "set_cohost", from: members[0]!, to: "m1", cohost: true });
    assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostSettings.message);
    room.post({ kind: "set_cohost", from: host, to: "m1", cohost: true });
    const state = members[1]!.last("room_state")!.payload;
    assert.equal(state.participants.find((p) => p.id === "m1")!.is_cohost, true);
    command(members[0]!, "pause", 3);
    assert.equal(host.last("player_event")!.client, "m1");
    command(members[1]!, "pause", 4);
    assert.equal(
      members[1]!.last("error")!.payload.message,
      ERRORS.notControllerPlayback.message,
    );
    room.post({ kind: "set_cohost", from: host, to: "m1", cohost: false });
    command(members[0]!, "pause", 5);
    assert.equal(members[0]!.last("error")!.payload.code, "not_allowed");
  });
  await t.step("switching the policy: everyone hears it in a fresh room_state", () => {
    const { room, host, members, command } = party();
    room.post({ kind: "set_control", from: members[0]!, control: "everyone" });
    assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostSettings.message);
    room.post({ kind: "set_control", from: host, control: "everyone" });
    for (const member of members) {
      assert.equal(member.last("room_state")!.payload.control, "everyone");
    }
    command(members[1]!, "seek", 42);
    assert.equal(host.last("player_event")!.payload.position, 42);
  });
});

Deno.test("race: two members command at once under everyone: all get both, in one order, ending the same", () => {
  const { room, host, members, command, everyone } = party({ control: "everyone" });
  room.post({ kind: "set_control", from: host, control: "everyone" });
  everyone.forEach((m) => m.clear());
  command(members[0]!, "seek", 100);
  command(members[1]!, "seek", 200);
  for (const member of everyone) {
    // Under shared control the senders hear their own command too: the same sequence for all.
    assert.deepEqual(member.all("player_event").map((e) => [e.client, e.payload.position]), [
      ["m1", 100],
      ["m2", 200],
    ]);
  }
  assert.equal(room.snapshot().playback.position, 200);
});

Deno.test("chat history: a joiner gets the last 50 messages, oldest first", () => {
  const { registry, room, host } = party({ members: 0 });
  for (let i = 0; i < CHAT_HISTORY_MESSAGES + 5; i++) {
    room.post({ kind: "chat", from: host, text: `message ${i}` });
  }
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  assert.deepEqual(late.types(), ["room_state", "chat_history"]);
  const history = late.last("chat_history")!.payload.messages;
  assert.equal(history.length, CHAT_HISTORY_MESSAGES);
  assert.equal(history[0]!.text, "message 5");
  assert.equal(history.at(-1)!.text, `message ${CHAT_HISTORY_MESSAGES + 4}`);
  assert.equal(history[0]!.username, "Hana");
});

Deno.test("playback rate: scheduled like a seek; the timeline and room_state run at it", () => {
  const { registry, clock, room, host, members, command, ready } = party({ members: 1 });
  ready(members[0]!);
  command(host, "play", 0);
  clock.advance(1_500 + 10_000); // the upstream host played from its command: 11.5 s now
  room.post({ kind: "set_rate", from: host, rate: 2, atServerTs: null });
  const changed = members[0]!.last("rate_changed")!;
  const target = clock.now() + DEFAULT_TIMINGS.controlScheduleMs;
  assert.equal(changed.payload.rate, 2);
  assert.equal(changed.payload.target_server_ts, target);
  // Without at_server_ts every player switches at the target, and so does the timeline:
  // 11.5 now, 0.3 s more at the old rate.
  assert.equal(changed.payload.position_at_target, 11.8);
  assert.equal(host.last("rate_changed")!.payload.rate, 2, "the setter hears it too");
  clock.advance(300 + 5_000);
  const late = new FakeMember("late");
  registry.ports.attach(late.id, late);
  room.post({ kind: "join", from: late });
  assert.equal(late.last("room_state")!.payload.playback_rate, 2);
  assert.equal(late.last("room_state")!.payload.state.position, 11.8 + 5 * 2);
  room.post({ kind: "set_rate", from: members[0]!, rate: 1, atServerTs: null });
  assert.equal(members[0]!.last("error")!.payload.message, ERRORS.notHostPlayback.message);
  // With the sender's instant (its player switched then), the new rate runs from there:
  // 21.8 + 0.2 s at 2 until 0.1 s ago, then 0.1 + 0.3 s at 1.
  clock.advance(200);
  room.post({ kind: "set_rate", from: host, rate: 1, atServerTs: clock.now() - 100 });
  const sent = members[0]!.last("rate_changed")!.payload;
  assert.equal(sent.rate, 1);
  assert.equal(sent.position_at_target, 21.8 + 0.1 * 2 + 0.4);
});

Deno.test("race: a rate change during a pending play: the play fires on the new rate's timeline", () => {
  const { clock, room, host, command } = party({ members: 1 });
  command(host, "play", 50); // the member is not ready: it waits
  clock.advance(1_000);
  room.post({ kind: "set_rate", from: host, rate: 1.5, atServerTs: null });
  clock.advance(1_000); // the wait ends 2 s after the play
  const play = host.last("player_event")!;
  // Rate 1 until the rate change's target (1 s + its 0.3 s schedule), then 1.5 until the
  // play's target (the wait's end at 2 s + the play's 1.5 s schedule).
  assert.equal(play.payload.position_at_target, 54.6); // 50 + 1.3 + 2.2 × 1.5
});

Deno.test("room list pages: filters, a page at a time, a cursor that survives rooms closing", () => {
  const clock = new ManualClock();
  let n = 0;
  const registry = new RoomRegistry({
    clock,
    timings: DEFAULT_TIMINGS,
    maxMembersPerRoom: 20,
    maxRooms: 100,
    newRoomId: () => `r${++n}`,
  });
  const hosts = Array.from({ length: 7 }, (_, i) => new FakeMember(`h${i}`));
  hosts.forEach((host, i) =>
    registry.create({
      host,
      name: i % 2 === 0 ? `Film night ${i}` : `Series ${i}`,
      mediaId: i < 3 ? "abc" : null,
      startPosition: 0,
    })
  );
  const first = registry.page({ name: "FILM", limit: 2 });
  assert.equal(first.total, 4);
  assert.deepEqual(first.rooms.map((r) => r.id), ["r1", "r3"]);
  registry.leaveCurrentRoom(hosts[2]!); // r3, the cursor's own room, closes
  const second = registry.page({ name: "film", limit: 2, after: first.next });
  assert.deepEqual(second.rooms.map((r) => r.id), ["r5", "r7"]);
  assert.equal(second.next, null);
  assert.deepEqual(registry.page({ mediaId: "abc" }).rooms.map((r) => r.id), ["r1", "r2"]);
});

Deno.test("a locked room: listed as locked; a join that was not admitted is refused", () => {
  const clock = new ManualClock();
  const registry = testRegistry(clock, { maxRooms: 5 });
  const host = new FakeMember("host");
  const room = registry.create({
    host,
    name: "Private",
    mediaId: null,
    startPosition: 0,
    password: { salt: new Uint8Array(16), hash: new Uint8Array(32), iterations: 1 },
  })!;
  assert.equal(registry.list()[0]!.locked, true);
  const guest = new FakeMember("guest");
  registry.ports.attach(guest.id, guest); // connected
  assert.equal(registry.join(guest, room.id), null, "the room answers, not the registry");
  assert.equal(guest.last("error")!.payload.code, ERRORS.passwordRequired.code);
  assert.equal(registry.join(guest, room.id, true), null);
  assert.ok(room.snapshot().memberIds.includes("guest"));
});
