/**
 * The room's one timeline (docs/protocol.md 5.4) on a ManualClock: where the anchor comes from
 * (`at_server_ts`, `deferred`, the arrival), `position_at_target` on every relayed command, the
 * upstream client's second point on a play, and room_state read from the same anchor.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_TIMINGS,
  MAX_AT_SERVER_TS_AGE_MS,
  type PlayerAction,
  type PlayState,
  type Timings,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import type { CommandTiming } from "../../rooms/policy.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import { FakeMember } from "../helpers/fake_member.ts";

const T = DEFAULT_TIMINGS;
const ARRIVAL: CommandTiming = { atServerTs: null, deferred: false };
const DEFERRED: CommandTiming = { atServerTs: null, deferred: true };
const at = (ts: number): CommandTiming => ({ atServerTs: ts, deferred: false });

function party(timings: Timings = T) {
  const clock = new ManualClock();
  const registry = new RoomRegistry({ clock, timings, maxMembersPerRoom: 20, maxRooms: 10 });
  const host = new FakeMember("host");
  const room = registry.create({ host, name: "Film", mediaId: null, startPosition: 0 })!;
  const guest = new FakeMember("guest");
  registry.ports.attach(guest.id, guest);
  room.post({ kind: "join", from: guest });
  host.clear();
  guest.clear();
  const send = (
    action: PlayerAction,
    position: number,
    timing = ARRIVAL,
    playState: PlayState | null = null,
  ) => room.post({ kind: "player_event", from: host, action, position, playState, timing });
  const ready = () => room.post({ kind: "ready", from: guest });
  /** What a member joining now is told (it leaves again, so readiness is unchanged). */
  const stateOfLateJoiner = () => {
    const late = new FakeMember(`late-${clock.now()}`);
    registry.ports.attach(late.id, late);
    room.post({ kind: "join", from: late });
    room.post({ kind: "leave", from: late });
    return late.last("room_state")!.payload.state;
  };
  return { clock, room, host, guest, send, ready, stateOfLateJoiner };
}

Deno.test("at_server_ts anchors a play where the host's player really was", () => {
  const { clock, guest, send, ready } = party();
  ready();
  const pressed = clock.now();
  clock.advance(40); // the frame took 40 ms to arrive
  send("play", 10, at(pressed));
  const event = guest.last("player_event")!;
  const target = clock.now() + T.playScheduleMs;
  assert.equal(event.payload.target_server_ts, target);
  // 40 ms of travel and 1.5 s of schedule: the host is 1.54 s further on at the target.
  assert.equal(event.payload.position_at_target, 11.54);
  assert.equal(event.payload.position, 11.24);
  assert.equal(event.server_ts, target - T.legacyClientLeadMs);
});

Deno.test("at_server_ts is clamped into [arrival - 5 s, arrival]", async (t) => {
  await t.step("from the future: taken as the arrival", () => {
    const { clock, guest, send, ready } = party();
    ready();
    send("play", 10, at(clock.now() + 60_000));
    assert.equal(guest.last("player_event")!.payload.position_at_target, 11.5);
  });
  await t.step("too old: taken as 5 s before the arrival", () => {
    const { clock, guest, send, ready } = party();
    ready();
    send("play", 10, at(clock.now() - 3_600_000));
    const expected = 10 + (MAX_AT_SERVER_TS_AGE_MS + T.playScheduleMs) / 1000;
    assert.equal(guest.last("player_event")!.payload.position_at_target, expected);
  });
  await t.step("exactly 5 s old: kept", () => {
    const { clock, guest, send, ready } = party();
    ready();
    send("play", 10, at(clock.now() - MAX_AT_SERVER_TS_AGE_MS));
    assert.equal(guest.last("player_event")!.payload.position_at_target, 16.5);
  });
});

Deno.test("deferred: the host starts at the target, so the position there is the one sent", () => {
  const { clock, guest, host, send, ready, stateOfLateJoiner } = party();
  ready();
  send("play", 10, DEFERRED);
  const target = clock.now() + T.playScheduleMs;
  for (const member of [host, guest]) {
    const event = member.last("player_event")!;
    assert.equal(event.payload.position_at_target, 10);
    assert.equal(event.payload.position, 9.7);
    assert.equal(event.server_ts, target - T.legacyClientLeadMs);
  }
  // Before the target nobody plays: the room holds at 10; after, it runs from the target.
  clock.advance(1_000);
  assert.deepEqual(stateOfLateJoiner(), { position: 10, play_state: "playing" });
  clock.advance(1_500);
  assert.deepEqual(stateOfLateJoiner(), { position: 11, play_state: "playing" });
});

Deno.test("a pending play fired late lands on the same timeline", async (t) => {
  await t.step("by the last ready, for a host that acted at once", () => {
    const { clock, guest, send, ready, stateOfLateJoiner } = party();
    send("play", 20);
    clock.advance(700);
    // The upstream host is playing while it waits: a joiner sees it 0.7 s on.
    assert.deepEqual(stateOfLateJoiner(), { position: 20.7, play_state: "playing" });
    clock.advance(100);
    ready();
    const event = guest.last("player_event")!;
    assert.equal(event.payload.target_server_ts, clock.now() + T.playScheduleMs);
    assert.equal(event.payload.position_at_target, 20 + 0.8 + 1.5);
  });
  await t.step("by the ready-wait timer", () => {
    const { clock, guest, send } = party();
    send("play", 20);
    clock.advance(T.maxReadyWaitMs);
    assert.equal(guest.last("player_event")!.payload.position_at_target, 20 + 2 + 1.5);
  });
  await t.step("a deferred host's pending play holds its position until it fires", () => {
    const { clock, guest, send, ready, stateOfLateJoiner } = party();
    send("play", 20, DEFERRED);
    clock.advance(800);
    assert.deepEqual(stateOfLateJoiner(), { position: 20, play_state: "playing" });
    ready();
    const event = guest.last("player_event")!;
    assert.equal(event.payload.position_at_target, 20);
    assert.equal(event.payload.target_server_ts, clock.now() + T.playScheduleMs);
  });
  await t.step("a second play while waiting moves it; the wait is not reset", () => {
    const { clock, guest, send } = party();
    send("play", 20);
    clock.advance(500);
    send("play", 30);
    clock.advance(T.maxReadyWaitMs - 500);
    const plays = guest.all("player_event");
    assert.equal(plays.length, 1);
    assert.equal(plays[0]!.payload.position_at_target, 30 + 1.5 + 1.5);
  });
});

Deno.test("position_at_target on seek, pause and buffering", async (t) => {
  await t.step("a seek while playing runs on from its anchor to the target", () => {
    const { clock, guest, send } = party();
    send("seek", 100, at(clock.now() - 20), "playing");
    const event = guest.last("player_event")!;
    assert.equal(event.payload.play_state, "playing");
    assert.equal(event.payload.position, 100);
    assert.equal(event.payload.position_at_target, 100.32);
    assert.equal(event.server_ts, event.payload.target_server_ts);
  });
  await t.step("a deferred seek while playing: the host is at the position at the target", () => {
    const { guest, send } = party();
    send("seek", 100, DEFERRED, "playing");
    assert.equal(guest.last("player_event")!.payload.position_at_target, 100);
  });
  for (const action of ["pause", "buffering"] as const) {
    await t.step(`${action} holds the position`, () => {
      const { clock, guest, send, stateOfLateJoiner } = party();
      send("seek", 50, ARRIVAL, "playing");
      clock.advance(5_000);
      send(action, 55, at(clock.now() - 30), "playing");
      assert.equal(guest.last("player_event")!.payload.position_at_target, 55);
      clock.advance(10_000);
      assert.equal(stateOfLateJoiner().position, 55);
    });
  }
  await t.step("a paused seek holds the position", () => {
    const { clock, guest, send } = party();
    send("seek", 70, at(clock.now() - 30), "paused");
    assert.equal(guest.last("player_event")!.payload.position_at_target, 70);
    assert.equal(guest.last("player_event")!.payload.play_state, "paused");
  });
  await t.step("play_state is the room's: a seek without one keeps the room playing", () => {
    const { clock, guest, send, ready } = party();
    ready();
    send("play", 0);
    clock.advance(3_000);
    send("seek", 40);
    assert.equal(guest.last("player_event")!.payload.play_state, "playing");
  });
});

Deno.test("an accepted state_update re-anchors the timeline at its arrival", () => {
  const { clock, host, send, ready, room, stateOfLateJoiner } = party();
  ready();
  send("play", 0);
  clock.advance(10_000);
  room.post({ kind: "state_update", from: host, position: 30, playState: "playing" });
  clock.advance(2_000);
  assert.deepEqual(stateOfLateJoiner(), { position: 32, play_state: "playing" });
});

Deno.test("LEGACY_CLIENT_LEAD_MS: 0 puts the upstream point at the target; never before the send", async (t) => {
  await t.step("lead 0", () => {
    const { clock, guest, send, ready } = party({ ...T, legacyClientLeadMs: 0 });
    ready();
    send("play", 10);
    const event = guest.last("player_event")!;
    assert.equal(event.server_ts, clock.now() + T.playScheduleMs);
    assert.equal(event.payload.position, event.payload.position_at_target);
  });
  await t.step("a lead longer than the play schedule is capped by it", () => {
    const { clock, guest, send, ready } = party({ ...T, playScheduleMs: 200 });
    ready();
    send("play", 10);
    const event = guest.last("player_event")!;
    assert.equal(event.server_ts, clock.now());
    assert.equal(event.payload.position, 10);
    assert.equal(event.payload.position_at_target, 10.2);
  });
});

Deno.test("state updates are dropped while a command is in flight (protocol 5.7)", async (t) => {
  await t.step("while a play is pending, even one whose play_state differs", () => {
    const { clock, guest, host, send, room } = party();
    send("play", 5);
    clock.advance(500);
    room.post({ kind: "state_update", from: host, position: 5, playState: "paused" });
    assert.equal(guest.all("state_update").length, 0);
    assert.equal(room.snapshot().playback.playState, "playing");
  });
  await t.step("before the last command's target instant, and not at it", () => {
    const { clock, guest, host, send, room } = party();
    send("seek", 60, ARRIVAL, "paused");
    clock.advance(T.controlScheduleMs - 1);
    room.post({ kind: "state_update", from: host, position: 60, playState: "playing" });
    assert.equal(guest.all("state_update").length, 0);
    clock.advance(1);
    room.post({ kind: "state_update", from: host, position: 60, playState: "playing" });
    assert.equal(guest.all("state_update").length, 1);
  });
  await t.step("before a play's target instant", () => {
    const { clock, guest, host, send, ready, room } = party();
    ready();
    send("play", 0);
    clock.advance(T.playScheduleMs - 1);
    room.post({ kind: "state_update", from: host, position: 0, playState: "paused" });
    assert.equal(guest.all("state_update").length, 0);
    assert.equal(room.snapshot().playback.playState, "playing");
  });
});
