/**
 * The rules of kept rooms as one story, told against either implementation of them: the Lua
 * scripts on a real Redis (tests/integration/redis_store_test.ts) and their twin in memory on
 * the cluster's bus (tests/unit/memory_room_rules_test.ts). One owner at a time, and a stale
 * owner's every write refused. The world says how to look at what is stored and how a lease
 * runs out; the steps and their verdicts are the same for both.
 */
import assert from "node:assert/strict";
import type { SharedRoomStore } from "../../store/shared_room_store.ts";

export interface KeptRoomsInstance {
  readonly store: SharedRoomStore;
  /** The rooms it was told it lost. */
  readonly lost: string[];
}

export interface KeptRoomsWorld {
  readonly a: KeptRoomsInstance;
  readonly b: KeptRoomsInstance;
  readonly c: KeptRoomsInstance;
  /** The room's lease runs out (its owner stopped renewing it). */
  expire(roomId: string): Promise<void>;
  /** The room's record as stored (parsed), null when there is none. */
  record(roomId: string): Promise<unknown>;
  /** The room's epoch as stored. */
  epoch(roomId: string): Promise<number | null>;
  /** Who holds the room's lease ("" released; null: nobody). */
  leaseHolder(roomId: string): Promise<string | null>;
  /** The room's directory entry, null when there is none. */
  directoryEntry(roomId: string): Promise<string | null>;
  /** Another instance takes the lease of a room nobody has saved yet. */
  holdLease(roomId: string, holder: string): Promise<void>;
  /** After a release: long enough that a lease would have run out (a released one does not). */
  afterRelease(): Promise<void>;
}

export async function keptRoomsStory(t: Deno.TestContext, w: KeptRoomsWorld): Promise<void> {
  const { a, b, c } = w;

  await t.step("a new room's first save is epoch 1; its lease is its owner's", async () => {
    await a.store.saveRoom("r1", { v: "a1" });
    assert.deepEqual(await w.record("r1"), { v: "a1" });
    assert.equal(await w.epoch("r1"), 1);
    assert.equal(await w.leaseHolder("r1"), "A");
    assert.deepEqual(await a.store.storedIds(), ["r1"]);
    assert.deepEqual(await b.store.claim("r1"), { kind: "held", holder: "A" });
    assert.deepEqual(await b.store.freeRooms(), []);
  });

  await t.step("the lease runs out: of two claims at once, exactly one wins", async () => {
    await w.expire("r1");
    assert.deepEqual(await b.store.freeRooms(), [{ id: "r1", released: false }]);
    const [fromB, fromC] = await Promise.all([b.store.claim("r1"), c.store.claim("r1")]);
    const won = [fromB, fromC].filter((outcome) => outcome.kind === "claimed");
    assert.equal(won.length, 1, JSON.stringify([fromB, fromC]));
    assert.deepEqual(won[0], { kind: "claimed", epoch: 2, record: { v: "a1" } });
    const loser = fromB.kind === "claimed" ? fromC : fromB;
    assert.equal(loser.kind, "held");
  });

  // Whoever won, call it the new owner.
  const owner = () => (b.store.epochOf("r1") === 2 ? b : c);

  await t.step("the old owner wakes up: every write it tries is refused", async () => {
    await owner().store.saveRoom("r1", { v: "new" });
    await a.store.saveRoom("r1", { v: "stale" });
    assert.deepEqual(a.lost, ["r1"], "told it lost the room");
    assert.deepEqual(await w.record("r1"), { v: "new" }, "the new owner's record stands");
    assert.equal(await a.store.renew("r1"), false);
    assert.equal(await a.store.writeDirectory("r1", "{}"), false);
    assert.equal(await w.directoryEntry("r1"), null);
    await a.store.removeRoom("r1");
    assert.deepEqual(await w.record("r1"), { v: "new" }, "nor can it close the room");
    assert.equal(await owner().store.renew("r1"), true);
    assert.equal(await owner().store.writeDirectory("r1", "{}"), true);
    assert.equal(await w.directoryEntry("r1"), "{}");
  });

  await t.step("a clean stop lets the room go: another claims it at once", async () => {
    const from = owner();
    const other = from === b ? c : b;
    await from.store.release("r1");
    await w.afterRelease();
    assert.equal(await w.leaseHolder("r1"), "", "released, not expiring");
    assert.deepEqual(await other.store.freeRooms(), [{ id: "r1", released: true }]);
    assert.deepEqual(await other.store.claim("r1"), {
      kind: "claimed",
      epoch: 3,
      record: { v: "new" },
    });
    // The one that let go cannot write any more either.
    await from.store.saveRoom("r1", { v: "late" });
    assert.deepEqual(await w.record("r1"), { v: "new" });
  });

  await t.step("a closed room stays closed: no stale owner brings it back", async () => {
    const current = b.store.epochOf("r1") === 3 ? b : c;
    await current.store.removeRoom("r1");
    assert.equal(await w.record("r1"), null);
    assert.deepEqual(await current.store.storedIds(), []);
    await w.expire("r1");
    assert.deepEqual(await a.store.claim("r1"), { kind: "missing" });
    await a.store.saveRoom("r1", { v: "zombie" });
    assert.equal(await w.record("r1"), null);
  });

  await t.step("a new room is not written while another instance holds its lease", async () => {
    await w.holdLease("r2", "C");
    await a.store.saveRoom("r2", { v: "a" });
    assert.equal(await w.record("r2"), null);
  });
}
