/**
 * The rules of rooms kept in Redis (store/redis_store.ts), against a real Redis: one owner at a
 * time, and a stale owner's every write refused (tests/helpers/kept_rooms_story.ts, the story
 * the memory twin is held to as well). Each race is played out in order on purpose, and two
 * claims at once are sent together, as two instances would.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisRoomStore } from "../../store/redis_store.ts";
import { sharedSecret } from "../../store/redis_secret.ts";
import { keptRoomsStory } from "../helpers/kept_rooms_story.ts";
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
    // A lease that "ran out" is deleted rather than waited for: no sleeps.
    expire: async (roomId: string) => void await raw!.del(`owp:roomlease:${roomId}`),
    record: async (roomId: string) => {
      const text = await raw!.hget(`owp:room:${roomId}`, "record");
      return text === null ? null : JSON.parse(text);
    },
    epoch: async (roomId: string) => {
      const epoch = await raw!.hget(`owp:room:${roomId}`, "epoch");
      return epoch === null ? null : Number(epoch);
    },
    leaseHolder: (roomId: string) => raw!.get(`owp:roomlease:${roomId}`),
    directoryEntry: (roomId: string) => raw!.hget("owp:rooms", roomId),
    holdLease: async (roomId: string, holder: string) =>
      void await raw!.set(`owp:roomlease:${roomId}`, holder),
    // A released lease has no expiry: what is read at once is what would be read later.
    afterRelease: () => Promise.resolve(),
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
  await keptRoomsStory(t, w);
  const { a } = w;

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
