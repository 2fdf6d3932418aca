/**
 * Three real server processes (main.ts) against one Redis, host on A and members on B and C:
 * a whole party (play, pause, seek, chat, leave); Redis restarted mid-party; and the owner
 * killed without a word (SIGKILL: no close frames, no directory clean-up), after which the
 * members on the other instances are told the room closed once its lease runs out.
 */
import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";
import { redisAvailable, sharedRedis, startRedis } from "../helpers/redis_server.ts";
import { partyAcross } from "../helpers/party.ts";
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
      assert.equal(closed.payload.reason, "The room's server stopped");
      assert.equal(closed.payload.code, "owner_gone");
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
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      for (const instance of instances) await stop(instance);
    }
  },
);
