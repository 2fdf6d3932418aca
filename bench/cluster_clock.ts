/**
 * How well instances agree on time: `deno task cluster-clock`. Starts a redis-server and three
 * instances in this process whose clocks are skewed on purpose (0, +400 ms, −300 ms; on one
 * machine the true skew is otherwise 0), lets them measure each other, then reports each
 * instance's offset estimates against the true skews, and for a series of plays in a room whose
 * members are spread over the three, how far apart the members' start instants land once each
 * is read on its own instance's clock (the conversion's end-to-end error).
 */
import { createCluster } from "../cluster/redis_cluster.ts";
import { SystemClock } from "../rooms/clock.ts";
import { createSessionServer } from "../server/app.ts";
import { defaultConfig } from "../server/config.ts";
import { silentLogger } from "../server/log.ts";
import { startRedisServer } from "./instances.ts";
import { summarize } from "./stats.ts";

const SKEWS = [0, 400, -300];
const PLAYS = Number(Deno.args[0] ?? 20);

const { port: redisPort, process: redis } = await startRedisServer();

const instances = SKEWS.map((skew, i) => {
  const clock = new SystemClock(skew);
  const server = createSessionServer({
    config: defaultConfig({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      INSTANCE_ID: `clock-${i}`,
      INSTANCE_LEASE_MS: "3000",
      PLAY_SCHEDULE_MS: "1500",
      COMMAND_COOLDOWN_MS: "0",
    }),
    clock,
    log: silentLogger,
    cluster: createCluster,
  });
  const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, server.fetch);
  return { skew, clock, server, http, url: `ws://127.0.0.1:${http.addr.port}/ws` };
});
for (const instance of instances) await instance.server.cluster!.ready();
console.error("instances measuring each other for 6 s…");
await new Promise((resolve) => setTimeout(resolve, 6_000));

console.log("offset estimates (peer's clock − ours), against the true skew:");
for (const [i, instance] of instances.entries()) {
  for (const [peer, estimate] of instance.server.cluster!.clocks.peers()) {
    const truth = SKEWS[Number(peer.split("-")[1])]! - instance.skew;
    const error = estimate.offsetMs - truth;
    console.log(
      `  instance ${i} → ${peer}: ${estimate.offsetMs.toFixed(1)} ms (true ${truth}, error ` +
        `${error.toFixed(1)} ms, round trip ${estimate.rttMs} ms, applied ` +
        `${instance.server.cluster!.clocks.correction(peer)} ms)`,
    );
  }
}

/** A bare client: sends, and resolves the next message of a type. */
function client(url: string) {
  const socket = new WebSocket(url);
  const queue: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message);
    else queue.push(message);
  };
  const next = (type: string) => {
    const i = queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!);
    return new Promise<Record<string, unknown>>((resolve) => waiters.push({ type, resolve }));
  };
  const send = (type: string, payload: unknown, room = "") =>
    socket.send(JSON.stringify({ type, room, payload, ts: Date.now() }));
  return { socket, next, send, opened: new Promise((r) => socket.onopen = r) };
}

const host = client(instances[0]!.url);
await host.opened;
await host.next("client_hello");
host.send("create_room", { name: "clock", start_pos: 0 });
const roomId = (await host.next("room_state")).room as string;
await new Promise((resolve) => setTimeout(resolve, 200));
const members = [];
for (const instance of instances) {
  const member = client(instance.url);
  await member.opened;
  await member.next("client_hello");
  member.send("join_room", {}, roomId);
  await member.next("room_state");
  member.send("ready", {}, roomId);
  members.push({ member, instance });
}
await new Promise((resolve) => setTimeout(resolve, 200));

const spreads: number[] = [];
for (let play = 0; play < PLAYS; play++) {
  const action = play % 2 === 0 ? "play" : "pause";
  host.send("player_event", { action, position: play }, roomId);
  // Each member's instant, in the true time base (its instance's clock minus its skew).
  const instants = await Promise.all(members.map(async ({ member, instance }) => {
    const event = await Promise.race([
      member.next("player_event"),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no player_event on instance ${instance.skew}`)), 5_000)
      ),
    ]);
    const target = (event.payload as { target_server_ts: number }).target_server_ts;
    return target - instance.skew;
  }));
  spreads.push(Math.max(...instants) - Math.min(...instants));
  await new Promise((resolve) => setTimeout(resolve, 300));
}
const summary = summarize(Float64Array.from(spreads));
console.log(
  `${PLAYS} commands, members on 3 instances: spread of their target instants in true time ` +
    `p50 ${summary.p50} / p95 ${summary.p95} / max ${summary.max} ms`,
);

host.socket.close();
for (const { member } of members) member.socket.close();
for (const instance of instances) {
  await instance.server.drain();
  await instance.http.shutdown();
}
redis.kill("SIGTERM");
await redis.status;
