/**
 * What keeping rooms costs: one saved command of a full evening's room (20 members, 50 chat
 * messages, a queue of 10) through the file store (DATA_DIR), written whole and renamed, and,
 * with REDIS_URL set, through the Redis store (several instances). Wall time per save (one at a time: what a command waits for nobody, since saves
 * are off the command path, but what the disk is busy for), CPU per save (the record made,
 * JSON, the write), and the record's size.
 *
 *   deno task bench:store [saves]            (REDIS_URL=redis://... to measure Redis too)
 */
import { cpuUsage } from "node:process";
import { DEFAULT_TIMINGS } from "../protocol/mod.ts";
import { ManualClock } from "../rooms/clock.ts";
import { RoomRegistry } from "../rooms/registry.ts";
import { FileStore } from "../store/file_store.ts";
import { RedisRoomStore } from "../store/redis_store.ts";

const SAVES = Number(Deno.args[0] ?? 500);

const clock = new ManualClock();
const registry = new RoomRegistry({
  clock,
  timings: DEFAULT_TIMINGS,
  maxMembersPerRoom: 20,
  maxRooms: 1,
});
const quiet = (id: string) => ({ id, name: `Member ${id}`, send() {} });
const room = registry.create({
  host: quiet("host"),
  name: "A full evening",
  mediaId: null,
  mediaUrl: "https://media.example/films/a-long-title-of-a-film.m3u8",
  startPosition: 0,
})!;
for (let i = 1; i < 20; i++) room.post({ kind: "join", from: quiet(`m${i}`) });
for (let i = 0; i < 50; i++) {
  room.post({ kind: "chat", from: quiet(`m${1 + (i % 19)}`), text: `message ${i} `.repeat(8) });
}
for (let i = 0; i < 10; i++) {
  room.post({
    kind: "media",
    from: quiet("host"),
    op: {
      op: "add",
      item: { url: `https://media.example/episode-${i}.mp4`, mediaId: null, title: `Episode ${i}` },
    },
  });
}

const size = new TextEncoder().encode(JSON.stringify(room.record())).length;

/** Times `SAVES` saves one after another; prints wall (median, p95, max) and CPU per save. */
async function measure(what: string, save: () => Promise<void>): Promise<void> {
  await save(); // warm-up
  const walls: number[] = [];
  const cpuBefore = cpuUsage();
  for (let i = 0; i < SAVES; i++) {
    const started = performance.now();
    await save();
    walls.push(performance.now() - started);
  }
  const cpu = cpuUsage(cpuBefore);
  walls.sort((a, b) => a - b);
  const at = (q: number) => walls[Math.min(walls.length - 1, Math.floor(walls.length * q))]!;
  console.log(
    `${what}, a ${(size / 1024).toFixed(1)} KiB room record: ` +
      `${at(0.5).toFixed(2)} ms wall per save (median of ${SAVES}; p95 ${at(0.95).toFixed(2)}, ` +
      `max ${walls.at(-1)!.toFixed(2)}), ` +
      `${((cpu.user + cpu.system) / 1_000 / SAVES).toFixed(2)} ms CPU per save (this process)`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "owp-store-bench-" });
const files = new FileStore(dir);
await measure("file store", () => files.saveRoom(room.id, room.record()));
await Deno.remove(dir, { recursive: true });

// With REDIS_URL: the same through the Redis store (one Lua script per save, its epoch checked).
const redisUrl = Deno.env.get("REDIS_URL");
if (redisUrl) {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl);
  const prefix = `owp-bench-${crypto.randomUUID()}:`;
  const store = new RedisRoomStore({ redis, self: "bench", leaseMs: 10_000, prefix });
  await measure("Redis store", () => store.saveRoom(room.id, room.record()));
  await store.removeRoom(room.id);
  await redis.del(`${prefix}room:${room.id}`);
  await redis.quit();
} else {
  console.log("(REDIS_URL unset: the Redis store is not measured)");
}
