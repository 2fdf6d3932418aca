/**
 * Three instances, one Redis (issue: many instances, one set of rooms): a party whose members
 * are spread over all three behaves as on one instance, and every rule holds for a client of a
 * non-owner instance. The instances run in this process on real clocks (leases and heartbeats
 * are real timers); tests/integration/cluster_process_test.ts kills real processes.
 */
import assert from "node:assert/strict";
import { SystemClock } from "../../rooms/clock.ts";
import { ERRORS } from "../../protocol/mod.ts";
import { redisAvailable, startRedis } from "../helpers/redis_server.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer, type TestServer } from "../helpers/test_server.ts";

const ignore = !redisAvailable();

async function startInstances(
  redisUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<TestServer[]> {
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = startTestServer({
      clock: new SystemClock(Number(env[`SKEW_${i}`] ?? 0)),
      env: {
        REDIS_URL: redisUrl,
        INSTANCE_ID: `inst-${String.fromCharCode(97 + i)}`,
        INSTANCE_LEASE_MS: "1500",
        RESUME_SECRET: "a-shared-secret-for-every-instance",
        ...env,
      },
    });
    await server.server.cluster!.ready();
    servers.push(server);
  }
  return servers;
}

Deno.test({ name: "a party spread over three instances: play, chat, leave", ignore }, async () => {
  await using redis = await startRedis();
  const [a, b, c] = await startInstances(redis.url, 3);
  try {
    const host = await TestClient.connect(a!.wsUrl);
    host.send("create_room", { name: "Film night", media_id: "m1", start_pos: 0 });
    const created = await host.next("room_state");
    const roomId = created.room!;
    const memberB = await TestClient.connect(b!.wsUrl);
    // The room shows up in B's lobby list through the directory.
    await memberB.nextOf(
      "room_list",
      (m) => m.payload.some((r) => r.id === roomId),
      "room in list",
    );
    memberB.send("join_room", {}, roomId);
    const stateB = await memberB.next("room_state");
    assert.equal(stateB.room, roomId);
    const memberC = await TestClient.connect(c!.wsUrl);
    await memberC.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
    memberC.send("join_room", {}, roomId);
    await memberC.next("room_state");
    memberB.send("ready", {}, roomId);
    memberC.send("ready", {}, roomId);
    host.send("player_event", { action: "play", position: 12 }, roomId);
    const playB = await memberB.next("player_event");
    const playC = await memberC.next("player_event");
    assert.equal(playB.payload.action, "play");
    assert.equal(playB.payload.target_server_ts, playC.payload.target_server_ts);
    memberC.send("chat_message", { text: "hello from C" }, roomId);
    for (const client of [host, memberB, memberC]) {
      const chat = await client.next("chat_message");
      assert.equal(chat.payload.text, "hello from C");
    }
    memberB.send("leave_room", {}, roomId);
    const left = await host.nextOf("client_left", (m) => m.client === memberB.id, "B left");
    assert.equal(left.room, roomId);
    await Promise.all([host.close(), memberB.close(), memberC.close()]);
  } finally {
    for (const server of [a, b, c]) await server!.close();
  }
});
