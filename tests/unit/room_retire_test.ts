/**
 * A room another instance adopted while this one stalled (rooms kept in Redis) stops here
 * without a word: nobody hears room_closed, nothing is removed from the store (the registry
 * reports no close), its timers stop, and the connections that were in it are handed back for
 * the caller to send on (they reconnect and resume where the room lives now).
 */
import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import { FakeMember } from "../helpers/fake_member.ts";

Deno.test("a retired room stops silently and hands back its connections", () => {
  const clock = new ManualClock();
  const closed: string[] = [];
  const changed: string[] = [];
  const registry = new RoomRegistry({
    clock,
    timings: DEFAULT_TIMINGS,
    maxMembersPerRoom: 5,
    maxRooms: 5,
    resumeGraceMs: 30_000,
    events: {
      roomClosed: (roomId) => closed.push(roomId),
      roomChanged: (roomId) => changed.push(roomId),
    },
  });
  const host = new FakeMember("host", "Hana");
  const ann = new FakeMember("ann", "Ann");
  for (const member of [host, ann]) registry.addListener(member);
  const room = registry.create({ host, name: "R", mediaId: null, startPosition: 0 })!;
  registry.ports.attach(ann.id, ann);
  room.post({ kind: "join", from: ann });
  room.post({ kind: "ready", from: ann });
  // Ann is away: her grace timer must not fire here any more.
  room.post({ kind: "away", memberId: "ann" });
  for (const member of [host, ann]) member.clear();
  changed.length = 0;

  const handedBack = registry.retire(room.id);

  assert.deepEqual(handedBack.map((member) => member.id).sort(), ["ann", "host"]);
  assert.equal(room.closed, true);
  assert.equal(registry.get(room.id), undefined);
  assert.deepEqual(registry.list(), []);
  assert.equal(registry.roomOf("host"), undefined);
  assert.deepEqual(closed, [], "not closed: the store's record is the new owner's");
  assert.deepEqual(changed, [], "nothing to save");
  // Ann's grace would have ended here: no timer of the room runs any more.
  clock.advance(31_000);
  assert.deepEqual([...host.types(), ...ann.types()], [], "nobody heard a word");
  assert.deepEqual(registry.retire(room.id), [], "once");
});
