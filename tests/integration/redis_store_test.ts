/**
 * The rules of rooms kept in Redis (store/redis_store.ts), against a real Redis: one owner at a
 * time, and a stale owner's every write refused. Each race is played out in order on purpose
 * (a lease that "ran out" is deleted rather than waited for: no sleeps), and two claims at
 * once are sent together, as two instances would.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisRoomStore } from "../../store/redis_store.ts";
import { sharedSecret } from "../../store/redis_secret.ts";
import { redisAvailable, sharedRedis } from "../helpers/redis_server.ts";

const ignore = !redisAvailable();
const LEASE_MS = 60_000;

interface Instance {
  readonly store: RedisRoomStore;
  readonly lost: string[];
}

function instance(redis: Redis, self: string): Instance {
  const lost: string[] = [];
  const store = new RedisRoomStore({
    redis,
    self,
    leaseMs: LEASE_MS,
    lost: (roomId) => lost.push(roomId),
  });
  return { store, lost };
}

/** Three instances on one Redis, and a raw connection to play the clock. */
function world(url: string) {
  const connections = [new Redis(url), new Redis(url), new Redis(url), new Redis(url)];
  const [raw, ra, rb, rc] = connections;
  return {
    raw: raw!,
    a: instance(ra!, "A"),
    b: instance(rb!, "B"),
    c: instance(rc!, "C"),
    /** The room's lease ran out (its owner stopped renewing it). */
    expire: (roomId: string) => raw!.del(`owp:roomlease:${roomId}`),
    record: async (roomId: string) => {
      const text = await raw!.hget(`owp:room:${roomId}`, "record");
      return text === null ? null : JSON.parse(text);
    },
    [Symbol.asyncDispose]: async () => {
      await Promise.all(connections.map((connection) => connection.quit()));
    },
  };
}

Deno.test({
  name: "kept rooms in Redis: one owner at a time, and a stale owner fenced off",
  ignore,
}, async (t) => {
  await using redis = await sharedRedis();
  await using w = world(redis.url);
  const { a, b, c } = w;

  await t.step("a new room's first save is epoch 1; its lease is its owner's", async () => {
    await a.store.saveRoom("r1", { v: "a1" });
    assert.deepEqual(await w.record("r1"), { v: "a1" });
    assert.equal(await w.raw.hget("owp:room:r1", "epoch"), "1");
    assert.equal(await w.raw.get("owp:roomlease:r1"), "A");
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
    assert.equal(await w.raw.hexists("owp:rooms", "r1"), 0);
    await a.store.removeRoom("r1");
    assert.deepEqual(await w.record("r1"), { v: "new" }, "nor can it close the room");
    assert.equal(await owner().store.renew("r1"), true);
    assert.equal(await owner().store.writeDirectory("r1", "{}"), true);
    assert.equal(await w.raw.hget("owp:rooms", "r1"), "{}");
  });

  await t.step("a clean stop lets the room go: another claims it at once", async () => {
    const from = owner();
    const other = from === b ? c : b;
    await from.store.release("r1");
    assert.equal(await w.raw.get("owp:roomlease:r1"), "", "released, not expiring");
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
    await w.raw.set("owp:roomlease:r2", "C");
    await a.store.saveRoom("r2", { v: "a" });
    assert.equal(await w.record("r2"), null);
  });

  await t.step("every instance reads the same resume key, made by the first", async () => {
    const made = await Promise.all(
      ["first", "second", "third"].map((name) => sharedSecret(redis.url, "resume", () => name)),
    );
    assert.equal(new Set(made).size, 1, JSON.stringify(made));
    assert.ok(["first", "second", "third"].includes(made[0]!));
    assert.equal(await a.store.secret("resume", () => "other"), made[0]);
  });
});

Deno.test(
  { name: "the resume key: no Redis at start gives null, not a hang", ignore },
  async () => {
    // A port nothing listens on.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    assert.equal(await sharedSecret(`redis://127.0.0.1:${port}`, "resume", () => "x"), null);
  },
);
