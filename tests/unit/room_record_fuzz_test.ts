/**
 * Restarts in the middle, fuzzed: two worlds on one ManualClock run the same random evening
 * (joins, leaves, readiness, play, pause, seek, rate, chat, roles, options, media and queue,
 * away and resume, time passing), and at random moments one of them replaces its room by a
 * room restored from that room's record (through JSON and the schema). Every member must then
 * receive, message for message, what its twin receives in the world that never restarted, and
 * the rooms' snapshots must agree: nothing that matters was left out of the record.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { DEFAULT_TIMINGS, type ServerMessage } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import type { PortLookup } from "../../rooms/member_ports.ts";
import { Room, type RoomCommand, type RoomObserver } from "../../rooms/room.ts";
import { parseRoomRecord } from "../../rooms/room_record.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { pick, seededRandom } from "../helpers/random.ts";

const IDS = ["host", "ann", "bob", "cleo", "dan"];
const QUIET: RoomObserver = {
  memberJoined() {},
  memberLeft() {},
  summaryChanged() {},
  closed() {},
};

/** One world: a room and a connection per person. */
class World {
  room: Room;
  readonly people = new Map(IDS.map((id) => [id, new FakeMember(id, id.toUpperCase())]));
  /** Each person's connection stays theirs across the restarts. */
  readonly ports: PortLookup = { portOf: (id) => this.people.get(id) };
  constructor(clock: ManualClock) {
    this.room = new Room({
      id: "room-1",
      name: "Fuzzed",
      mediaId: null,
      mediaUrl: "https://m.example/0.mp4",
      startPosition: 0,
      host: this.people.get("host")!,
      ports: this.ports,
      clock,
      timings: DEFAULT_TIMINGS,
      maxMembers: 4,
      observer: QUIET,
      control: "everyone",
      handoff: true,
    });
  }

  /** The room replaced by one made from its record, its members the same connections. */
  restart(clock: ManualClock): void {
    const parsed = parseRoomRecord(JSON.parse(JSON.stringify(this.room.record())));
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.why);
    const restored = Room.restore(parsed.record, {
      clock,
      timings: DEFAULT_TIMINGS,
      observer: QUIET,
      ports: this.ports,
    });
    assert.ok(restored, "the record makes a room");
    // The old one must never act again: its timers go with it.
    this.room.post({ kind: "close", code: "server_shutdown" });
    for (const person of this.people.values()) person.clear();
    this.room = restored;
  }
}

/** A random command from someone (as the world's own connection). */
function randomCommand(random: () => number, world: World, step: number): RoomCommand | null {
  const id = pick(random, IDS);
  const from = world.people.get(id)!;
  const position = Math.round(random() * 600);
  const timing = random() < 0.5
    ? { atServerTs: null, deferred: random() < 0.5 }
    : { atServerTs: null, deferred: false };
  switch (Math.floor(random() * 16)) {
    case 0:
      return { kind: "join", from };
    case 1:
      // The host does not leave (an away host's grace may still run out): the evening goes on.
      return random() < 0.2 && id !== world.room.hostId
        ? { kind: "leave", from }
        : { kind: "join", from };
    case 2:
      return {
        kind: "ready",
        from,
        readiness: pick(random, ["ready", "loading", "buffering", "media_error", "ended"] as const),
      };
    case 3:
    case 4:
      return {
        kind: "player_event",
        from,
        action: pick(random, ["play", "pause", "seek", "buffering"] as const),
        position,
        playState: pick(random, [null, "playing", "paused"] as const),
        timing,
      };
    case 5:
      return {
        kind: "state_update",
        from,
        position,
        playState: pick(random, ["playing", "paused"]),
      };
    case 6:
      return { kind: "chat", from, text: `line ${step}` };
    case 7:
      return { kind: "set_rate", from, rate: pick(random, [0.75, 1, 1.5]), atServerTs: null };
    case 8:
      return { kind: "set_cohost", from, to: pick(random, IDS), cohost: random() < 0.5 };
    case 9:
      return { kind: "transfer_host", from, to: pick(random, IDS) };
    case 10:
      return { kind: "set_room_options", from, unlisted: random() < 0.5, handoff: random() < 0.7 };
    case 11:
      return {
        kind: "media",
        from,
        op: pick(
          random,
          [
            {
              op: "add",
              item: { url: `https://m.example/${step}.mp4`, mediaId: null, title: null },
            },
            { op: "next" },
            {
              op: "set",
              item: { url: `https://m.example/s${step}.mp4`, mediaId: null, title: "S" },
            },
            { op: "remove", itemId: String(1 + Math.floor(random() * 5)) },
            { op: "move", itemId: String(1 + Math.floor(random() * 5)), index: 0 },
          ] as const,
        ),
      };
    case 12:
      return { kind: "away", memberId: id };
    case 13: {
      // The person comes back on a new connection (its own, which takes the id).
      const connection = new FakeMember(`${id}-new`, from.name);
      return {
        kind: "resume",
        memberId: id,
        connection,
        lastSeq: null,
        resumeToken: "t",
      };
    }
    case 14:
      return { kind: "start_anyway", from };
    default:
      return { kind: "set_control", from, control: pick(random, ["host", "cohosts", "everyone"]) };
  }
}

/** The same command for the other world: its own connection objects. */
function twin(command: RoomCommand, world: World): RoomCommand {
  if (command.kind === "resume") {
    const connection = new FakeMember(command.connection.id, command.connection.name);
    return { ...command, connection };
  }
  if ("from" in command) return { ...command, from: world.people.get(command.from.id)! };
  return command;
}

/** A room's snapshot, its sets in one order (who went away first is not kept, nor needed). */
function comparable(room: Room) {
  const snapshot = room.snapshot();
  return {
    ...snapshot,
    awayIds: [...snapshot.awayIds].sort(),
    cohostIds: [...snapshot.cohostIds].sort(),
  };
}

function received(world: World, id: string): ServerMessage[] {
  return world.people.get(id)!.received;
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  Deno.test(`fuzz, seed ${seed}: restarts in the middle change nothing anyone receives`, () => {
    const random = seededRandom(seed);
    const clock = new ManualClock();
    const steady = new World(clock);
    const restarted = new World(clock);
    for (const world of [steady, restarted]) world.room.post({ kind: "open" });
    let restarts = 0;
    for (let step = 0; step < 400; step++) {
      if (random() < 0.04) {
        restarted.restart(clock);
        for (const person of steady.people.values()) person.clear();
        restarts++;
      }
      const command = randomCommand(random, steady, step);
      if (command) {
        const other = twin(command, restarted);
        steady.room.post(command);
        restarted.room.post(other);
        // An accepted resume: that person is on the new connection from now on.
        for (const [world, posted] of [[steady, command], [restarted, other]] as const) {
          if (posted.kind === "resume" && posted.connection.id === posted.memberId) {
            world.people.set(posted.memberId, posted.connection as FakeMember);
          }
        }
      }
      if (random() < 0.3) clock.advance(Math.floor(random() * 3_000));
      if (steady.room.closed) break;
      for (const id of IDS) {
        const a = received(steady, id);
        const b = received(restarted, id);
        if (!isDeepStrictEqual(a, b)) {
          assert.deepEqual(b, a, `seed ${seed}, step ${step}: what ${id} received`);
        }
      }
      assert.deepEqual(comparable(restarted.room), comparable(steady.room), `step ${step}`);
    }
    assert.ok(restarts > 3, `only ${restarts} restarts`);
  });
}
