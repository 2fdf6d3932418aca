/**
 * The upstream browser client's arithmetic (tests/helpers/legacy_client.ts) against the room, on
 * a ManualClock with one-way network delays: where its members' videos and its drift baseline
 * land relative to its host, which acts at once. The upstream server left members ~320 ms
 * behind after a play; with the room's one timeline they land within the host's uplink delay
 * (which no server can see) and their drift loop has nothing to correct.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_TIMINGS,
  encode,
  type OutboundFrame,
  type ServerMessage,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import type { Member } from "../../rooms/member.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import type { Room } from "../../rooms/room.ts";
import type { LegacyClient, LegacyCommand } from "../helpers/legacy_client.ts";
import { simulatedLegacyClient as legacy } from "../helpers/simulated_video.ts";

const T = DEFAULT_TIMINGS;
/** Loopback-like one-way delays, host → server and server → member. */
const UPLINK_MS = 2;
const DOWNLINK_MS = 3;
/**
 * How close "within a few ms" is, plus 1 ms of rounding. A play lands within the host's
 * uplink delay (the server anchors at the arrival; it cannot see the delay). That client
 * applies a seek on arrival at the position as sent, so a seek lands within the path host →
 * server → member.
 */
const PLAY_TOLERANCE_S = (UPLINK_MS + 1) / 1000;
const SEEK_TOLERANCE_S = (UPLINK_MS + DOWNLINK_MS + 1) / 1000;

/** A legacy client as a room member: what the room sends reaches it DOWNLINK_MS later. */
function memberOf(client: LegacyClient, clock: ManualClock): Member {
  return {
    id: client.id,
    name: client.id,
    send(frame: OutboundFrame) {
      const message = JSON.parse(frame.text) as ServerMessage;
      clock.setTimer(DOWNLINK_MS, () => client.receive(message));
    },
  };
}

function legacyParty(startPosition = 100) {
  const clock = new ManualClock();
  const registry = new RoomRegistry({ clock, timings: T, maxMembersPerRoom: 20, maxRooms: 10 });
  const host = legacy("host", true, clock, startPosition);
  const members = [1, 2].map((n) => legacy(`m${n}`, false, clock, startPosition));
  const hostMember = memberOf(host, clock);
  const room: Room = registry.create({
    host: hostMember,
    name: "Film",
    mediaId: null,
    startPosition,
  })!;
  const asMembers = members.map((client) => memberOf(client, clock));
  for (const member of asMembers) {
    registry.ports.attach(member.id, member);
    room.post({ kind: "join", from: member });
  }
  const readyAll = () => asMembers.forEach((member) => room.post({ kind: "ready", from: member }));
  /** The host's command reaches the room UPLINK_MS after the user acted. */
  const deliver = (command: LegacyCommand) => {
    clock.advance(UPLINK_MS);
    room.post({
      kind: "player_event",
      from: hostMember,
      action: command.action,
      position: command.position,
      playState: command.playState,
      timing: { atServerTs: null, deferred: false },
    });
  };
  return { clock, room, host, members, asMembers, readyAll, deliver };
}

/** Every member's video and drift baseline against the host's video, now. */
function assertOnHostTimeline(
  host: LegacyClient,
  members: LegacyClient[],
  when: string,
  tolerance = PLAY_TOLERANCE_S,
) {
  const hostAt = host.position();
  for (const member of members) {
    assert.ok(!member.video.paused, `${member.id} plays ${when}`);
    const offset = member.position() - hostAt;
    assert.ok(Math.abs(offset) <= tolerance, `${member.id} video ${offset * 1000} ms ${when}`);
    const baseline = member.expected()! - hostAt;
    assert.ok(Math.abs(baseline) <= tolerance, `${member.id} baseline ${baseline * 1000} ms`);
  }
}

Deno.test("upstream client: after a play, members start on the host's timeline", () => {
  const { clock, host, members, readyAll, deliver } = legacyParty();
  readyAll();
  deliver(host.pressPlay());
  const target = clock.now() + T.playScheduleMs;
  clock.advance(target - clock.now() - 1);
  for (const member of members) assert.ok(member.video.paused, "nobody starts early");
  clock.advance(1);
  assertOnHostTimeline(host, members, "at the target");
  clock.advance(10_000);
  assertOnHostTimeline(host, members, "10 s later");
  for (const member of members) {
    // The member and its drift baseline agree: its loop has nothing to correct.
    assert.ok(Math.abs(member.drift()!) < 1e-9, `${member.id} drift ${member.drift()}`);
  }
});

Deno.test("upstream client: a pending play fired late lands on the host's timeline", async (t) => {
  await t.step("fired by the last member becoming ready", () => {
    const { clock, host, members, room, asMembers, deliver } = legacyParty();
    room.post({ kind: "ready", from: asMembers[0]! });
    deliver(host.pressPlay()); // the host plays at once; the room waits for m2
    clock.advance(900);
    room.post({ kind: "ready", from: asMembers[1]! });
    clock.advance(T.playScheduleMs + DOWNLINK_MS);
    assertOnHostTimeline(host, members, "after the late play's target");
  });
  await t.step("fired by the ready-wait timer", () => {
    const { clock, host, members, deliver } = legacyParty();
    deliver(host.pressPlay());
    clock.advance(T.maxReadyWaitMs + T.playScheduleMs + DOWNLINK_MS);
    assertOnHostTimeline(host, members, "after the timer's play");
  });
});

Deno.test("upstream client: a seek while playing resumes every member on the timeline", () => {
  const { clock, host, members, readyAll, deliver } = legacyParty();
  readyAll();
  deliver(host.pressPlay());
  clock.advance(T.playScheduleMs + 20_000);
  deliver(host.pressSeek(600));
  clock.advance(DOWNLINK_MS);
  // Applied on arrival with play_state "playing": nobody stays paused.
  assertOnHostTimeline(host, members, "right after the seek", SEEK_TOLERANCE_S);
  clock.advance(5_000);
  assertOnHostTimeline(host, members, "5 s after the seek", SEEK_TOLERANCE_S);
});

Deno.test("upstream client: a pause stops every member where the host stopped", () => {
  const { clock, host, members, readyAll, deliver } = legacyParty();
  readyAll();
  deliver(host.pressPlay());
  clock.advance(T.playScheduleMs + 5_000);
  deliver(host.pressPause());
  clock.advance(DOWNLINK_MS);
  for (const member of members) {
    assert.ok(member.video.paused);
    assert.ok(Math.abs(member.position() - host.position()) <= 0.01);
  }
});

Deno.test("the double is sensitive: the naive upstream point would leave its drift loop 300 ms off", () => {
  // Keeping server_ts = target and position = position_at_target − 0.3 starts the upstream
  // client right but sets its drift baseline 0.3 s behind the timeline (protocol 5.4).
  const clock = new ManualClock();
  const member = legacy("m", false, clock, 100);
  const target = clock.now() + T.playScheduleMs;
  const naive = encode({
    type: "player_event",
    room: "r",
    client: "h",
    payload: {
      action: "play",
      position: 101.2,
      play_state: "playing",
      target_server_ts: target,
      position_at_target: 101.5,
    },
    server_ts: target,
  });
  member.receive(JSON.parse(naive.text));
  clock.advance(T.playScheduleMs);
  assert.equal(member.position(), 101.5);
  assert.ok(Math.abs(member.drift()! + 0.3) < 1e-9, `drift ${member.drift()}`);
});
