/**
 * Three real server processes (main.ts) against one Redis, host on A and members on B and C:
 * a whole party (play, pause, seek, chat, leave), and Redis restarted mid-party. (The owner
 * killed or stopped mid-party: cluster_adoption_test.ts.)
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { ERRORS } from "../../protocol/mod.ts";
import { redisAvailable, sharedRedis, startRedis } from "../helpers/redis_server.ts";
import { partyAcross } from "../helpers/party.ts";
import {
  type Instance,
  startInstance as startRedisInstance,
  stopInstance as stop,
} from "../helpers/redis_instances.ts";
import { TestClient } from "../helpers/test_client.ts";

const ignore = !redisAvailable();

/** Every instance shares this key, so a token one made is good on another. */
const SHARED = { RESUME_SECRET: "a-shared-secret-for-every-instance" };
const startInstance = (redisUrl: string, id: string) => startRedisInstance(redisUrl, id, SHARED);

/** Host on the first instance, one member on each of the others, all ready. */
const party = (instances: readonly Instance[]) =>
  partyAcross(instances.map((instance) => instance.wsUrl), { name: "Processes" });

Deno.test({
  name: "three processes: play, pause, seek, chat and leave reach every instance",
  ignore,
}, async () => {
  await using redis = await sharedRedis();
  const instances = await Promise.all(
    ["party-a", "party-b", "party-c"].map((id) => startInstance(redis.url, id)),
  );
  const clients: TestClient[] = [];
  try {
    const { host, members, roomId } = await party(instances);
    clients.push(host, ...members);
    for (const [action, position] of [["play", 0], ["pause", 4], ["seek", 30]] as const) {
      host.send("player_event", { action, position }, roomId);
      for (const member of members) {
        const event = await member.nextOf(
          "player_event",
          (m) => m.payload.action === action,
          action,
        );
        assert.equal(event.room, roomId);
      }
    }
    members[1]!.send("chat_message", { text: "from C" }, roomId);
    for (const client of [host, members[0]!]) {
      assert.equal((await client.next("chat_message")).payload.text, "from C");
    }
    members[0]!.send("leave_room", {}, roomId);
    for (const client of [host, members[1]!]) {
      await client.nextOf("client_left", (m) => m.client === members[0]!.id, "B left");
    }
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    for (const instance of instances) await stop(instance);
  }
});

Deno.test(
  { name: "three processes: Redis restarted mid-party, the party carries on", ignore },
  async () => {
    await using redis = await startRedis();
    const instances = await Promise.all(
      ["restart-a", "restart-b", "restart-c"].map((id) => startInstance(redis.url, id)),
    );
    const clients: TestClient[] = [];
    try {
      const { host, members, roomId } = await party(instances);
      clients.push(host, ...members);
      await Promise.all(members.map((m) => m.barrier()));
      await redis.stop();
      // Until Redis is back, a member elsewhere is told its command could not reach the room.
      let refused = false;
      for (let i = 0; i < 100 && !refused; i++) {
        members[0]!.send("chat_message", { text: "hello?" }, roomId);
        const reply = await members[0]!.nextWhere(
          (m) => m.type === "error" || m.type === "chat_message",
          "a reply",
        );
        refused = reply.type === "error" &&
          (reply.payload as { message: string }).message === ERRORS.roomUnreachable.message;
        if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(refused, "a member on B never heard the room was unreachable");
      host.send("player_event", { action: "play", position: 8 }, roomId);
      await redis.start();
      // The play made while Redis was away reaches the members once it is back.
      for (const member of members) {
        const play = await member.nextOf(
          "player_event",
          (m) => m.payload.action === "play",
          "play",
          15_000,
        );
        assert.equal(play.room, roomId);
      }
      members[1]!.send("chat_message", { text: "all good" }, roomId);
      assert.equal(
        (await host.nextOf("chat_message", (m) => m.payload.text === "all good", "chat", 10_000))
          .payload.text,
        "all good",
      );
      // This Redis keeps nothing across its restart: the owner wrote its room again.
      const raw = new Redis(redis.url);
      try {
        const record = JSON.parse((await raw.hget(`owp:room:${roomId}`, "record")) ?? "null");
        assert.equal(record?.id, roomId, "the room is kept again");
        assert.equal(await raw.get(`owp:roomlease:${roomId}`), "restart-a");
      } finally {
        await raw.quit();
      }
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      for (const instance of instances) await stop(instance);
    }
  },
);
