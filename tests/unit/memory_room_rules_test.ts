/**
 * The kept rooms' rules in memory (store/memory_room_rules.ts) held to the same story as the Lua
 * scripts on a real Redis (tests/helpers/kept_rooms_story.ts): one owner at a time, and a stale
 * owner's every write refused. Here the leases run out on the bus's manual clock instead of
 * being deleted by hand.
 */
import assert from "node:assert/strict";
import { MemoryBus } from "../../cluster/memory_bus.ts";
import { MemoryTransport } from "../../cluster/memory_transport.ts";
import type { SharedRoomStore } from "../../store/shared_room_store.ts";
import { keptRoomsStory } from "../helpers/kept_rooms_story.ts";

const LEASE_MS = 60_000;

function instance(bus: MemoryBus, self: string) {
  const transport = new MemoryTransport(bus);
  const lost: string[] = [];
  transport.open(self, {
    up: () => {},
    down: () => {},
    peerMessage: () => {},
    directoryMessage: () => {},
    problem: () => {},
  });
  const store: SharedRoomStore = transport.keptRooms({
    self,
    leaseMs: LEASE_MS,
    lost: (roomId) => lost.push(roomId),
  });
  return { store, lost };
}

Deno.test("kept rooms in memory: one owner at a time, and a stale owner fenced off, as in Redis", async (t) => {
  const bus = new MemoryBus();
  const [a, b, c] = ["A", "B", "C"].map((self) => instance(bus, self)) as [
    ReturnType<typeof instance>,
    ReturnType<typeof instance>,
    ReturnType<typeof instance>,
  ];
  await keptRoomsStory(t, {
    a,
    b,
    c,
    // The lease runs out on the bus's clock, and not a millisecond before.
    async expire() {
      bus.clock.advance(LEASE_MS - 1);
      assert.deepEqual(
        (await b.store.freeRooms()).filter((room) => !room.released),
        [],
        "not quite yet",
      );
      bus.clock.advance(1);
    },
    record(roomId) {
      const text = bus.rooms.rooms.get(roomId)?.record;
      return Promise.resolve(text == null ? null : JSON.parse(text));
    },
    epoch: (roomId) => Promise.resolve(bus.rooms.rooms.get(roomId)?.epoch ?? null),
    leaseHolder: (roomId) => Promise.resolve(bus.rooms.leases.get(roomId) ?? null),
    directoryEntry: (roomId) => Promise.resolve(bus.directory.get(roomId) ?? null),
    holdLease(roomId, holder) {
      bus.rooms.leases.set(roomId, holder, LEASE_MS);
      return Promise.resolve();
    },
    // Twice a lease: a released one is still there, released, not expired.
    afterRelease() {
      bus.clock.advance(2 * LEASE_MS);
      return Promise.resolve();
    },
  });

  await t.step("every instance reads the same secret, made by the first", async () => {
    const made = await Promise.all(
      [a, b, c].map((one, i) => one.store.secret("resume", () => `made-${i}`)),
    );
    assert.deepEqual(made, ["made-0", "made-0", "made-0"]);
  });

  await t.step("cut off from the bus, every rule fails as a command does", async () => {
    bus.cutOff("A");
    await assert.rejects(a.store.renew("r1"));
    await assert.rejects(a.store.claim("r1"));
    bus.reconnect("A");
    assert.equal(await b.store.writeDirectory("r9", "{}"), true, "the others go on");
  });
});
