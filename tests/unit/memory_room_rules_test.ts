/**
 * The kept rooms' rules in memory (store/memory_room_rules.ts) against the same story as the Lua
 * scripts in tests/integration/redis_store_test.ts: one owner at a time, and a stale owner's
 * every write refused. Here the leases run out on the bus's manual clock instead of being
 * deleted by hand.
 */
import assert from "node:assert/strict";
import { MemoryBus } from "../../cluster/memory_bus.ts";
import { MemoryTransport } from "../../cluster/memory_transport.ts";
import type { SharedRoomStore } from "../../store/shared_room_store.ts";

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
  const record = (roomId: string) => {
    const text = bus.rooms.rooms.get(roomId)?.record;
    return text == null ? null : JSON.parse(text);
  };

  await t.step("a new room's first save is epoch 1; its lease is its owner's", async () => {
    await a.store.saveRoom("r1", { v: "a1" });
    assert.deepEqual(record("r1"), { v: "a1" });
    assert.equal(bus.rooms.rooms.get("r1")?.epoch, 1);
    assert.equal(bus.rooms.leases.get("r1"), "A");
    assert.deepEqual(await a.store.storedIds(), ["r1"]);
    assert.deepEqual(await b.store.claim("r1"), { kind: "held", holder: "A" });
    assert.deepEqual(await b.store.freeRooms(), []);
  });

  await t.step("the lease runs out: of two claims at once, exactly one wins", async () => {
    bus.clock.advance(LEASE_MS - 1);
    assert.deepEqual(await b.store.freeRooms(), [], "not quite yet");
    bus.clock.advance(1);
    assert.deepEqual(await b.store.freeRooms(), [{ id: "r1", released: false }]);
    const [fromB, fromC] = await Promise.all([b.store.claim("r1"), c.store.claim("r1")]);
    const won = [fromB, fromC].filter((outcome) => outcome.kind === "claimed");
    assert.equal(won.length, 1, JSON.stringify([fromB, fromC]));
    assert.deepEqual(won[0], { kind: "claimed", epoch: 2, record: { v: "a1" } });
    const loser = fromB.kind === "claimed" ? fromC : fromB;
    assert.equal(loser.kind, "held");
  });

  const owner = () => (b.store.epochOf("r1") === 2 ? b : c);

  await t.step("the old owner wakes up: every write it tries is refused", async () => {
    await owner().store.saveRoom("r1", { v: "new" });
    await a.store.saveRoom("r1", { v: "stale" });
    assert.deepEqual(a.lost, ["r1"], "told it lost the room");
    assert.deepEqual(record("r1"), { v: "new" }, "the new owner's record stands");
    assert.equal(await a.store.renew("r1"), false);
    assert.equal(await a.store.writeDirectory("r1", "{}"), false);
    assert.equal(bus.directory.has("r1"), false);
    await a.store.removeRoom("r1");
    assert.deepEqual(record("r1"), { v: "new" }, "nor can it close the room");
    assert.equal(await owner().store.renew("r1"), true);
    assert.equal(await owner().store.writeDirectory("r1", "{}"), true);
    assert.equal(bus.directory.get("r1"), "{}");
  });

  await t.step("a clean stop lets the room go: another claims it at once", async () => {
    const from = owner();
    const other = from === b ? c : b;
    await from.store.release("r1");
    bus.clock.advance(2 * LEASE_MS);
    assert.equal(bus.rooms.leases.get("r1"), "", "released, not expiring");
    assert.deepEqual(await other.store.freeRooms(), [{ id: "r1", released: true }]);
    assert.deepEqual(await other.store.claim("r1"), {
      kind: "claimed",
      epoch: 3,
      record: { v: "new" },
    });
    await from.store.saveRoom("r1", { v: "late" });
    assert.deepEqual(record("r1"), { v: "new" });
  });

  await t.step("a closed room stays closed: no stale owner brings it back", async () => {
    const current = b.store.epochOf("r1") === 3 ? b : c;
    await current.store.removeRoom("r1");
    assert.equal(record("r1"), null);
    assert.deepEqual(await current.store.storedIds(), []);
    assert.deepEqual(await a.store.claim("r1"), { kind: "missing" });
    await a.store.saveRoom("r1", { v: "zombie" });
    assert.equal(record("r1"), null);
  });

  await t.step("a new room is not written while another instance holds its lease", async () => {
    bus.rooms.leases.set("r2", "C", LEASE_MS);
    await a.store.saveRoom("r2", { v: "a" });
    assert.equal(record("r2"), null);
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
