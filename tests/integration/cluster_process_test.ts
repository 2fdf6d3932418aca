/**
 * Three real server processes (main.ts) against one Redis: the owner of a party is killed
 * without a word (SIGKILL: no close frames, no directory clean-up). Once its lease runs out,
 * the members connected to the other instances are told the room closed, and it leaves every
 * list.
 */
import assert from "node:assert/strict";
import { OWNER_GONE_REASON } from "../../cluster/cluster.ts";
import { redisAvailable, sharedRedis } from "../helpers/redis_server.ts";
import { TestClient } from "../helpers/test_client.ts";

const ignore = !redisAvailable();

interface Instance {
  readonly child: Deno.ChildProcess;
  readonly wsUrl: string;
}

async function startInstance(redisUrl: string, id: string): Promise<Instance> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      REDIS_URL: redisUrl,
      INSTANCE_ID: id,
      INSTANCE_LEASE_MS: "1500",
      RESUME_SECRET: "a-shared-secret-for-every-instance",
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let port = 0;
  let connected = false;
  while (!(port && connected)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`instance ${id} exited`);
    buffered += value;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const entry = JSON.parse(line);
      if (entry.msg === "listening") port = entry.port;
      if (entry.msg === "redis connected") connected = true;
    }
  }
  // Keep reading so the pipe never fills.
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch { /* the process was killed */ }
  })();
  return { child, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

async function stop(instance: Instance): Promise<void> {
  try {
    instance.child.kill("SIGKILL");
  } catch { /* already gone */ }
  await instance.child.status;
}

Deno.test({
  name: "the owner process killed mid-party: members elsewhere hear the room closed",
  ignore,
}, async () => {
  await using redis = await sharedRedis();
  const instances = await Promise.all(
    ["proc-a", "proc-b", "proc-c"].map((id) => startInstance(redis.url, id)),
  );
  const [a, b, c] = instances;
  const clients: TestClient[] = [];
  try {
    const host = await TestClient.connect(a!.wsUrl);
    clients.push(host);
    host.send("create_room", { name: "Doomed", start_pos: 0 });
    const roomId = (await host.next("room_state")).room!;
    const members = [];
    for (const instance of [b!, c!]) {
      const member = await TestClient.connect(instance.wsUrl);
      clients.push(member);
      await member.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
      member.send("join_room", {}, roomId);
      await member.next("room_state");
      member.send("ready", {}, roomId);
      members.push(member);
    }
    host.send("player_event", { action: "play", position: 3 }, roomId);
    for (const member of members) await member.next("player_event");

    await stop(a!);
    for (const member of members) {
      const closed = await member.next("room_closed", 10_000);
      assert.equal(closed.room, roomId);
      assert.equal(closed.payload.reason, OWNER_GONE_REASON);
      // Back in the lobby: the list it gets no longer has the room.
      const list = await member.next("room_list", 10_000);
      assert.ok(!list.payload.some((r) => r.id === roomId));
    }
    // And the member can start a new party at once.
    members[0]!.send("create_room", { name: "Next", start_pos: 0 });
    assert.notEqual((await members[0]!.next("room_state")).room, roomId);
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    for (const instance of instances) await stop(instance!);
  }
});
