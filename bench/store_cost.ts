/**
 * What keeping rooms costs (DATA_DIR): one saved command of a full evening's room (20
 * members, 50 chat messages, a queue of 10) through the file store, written whole and
 * renamed. Wall time per save (one at a time: what a command waits for nobody, since saves
 * are off the command path, but what the disk is busy for), CPU per save (the record made,
 * JSON, the write), and the record's size.
 *
 *   deno task bench:store [saves]
 */
import { cpuUsage } from "node:process";
import { DEFAULT_TIMINGS } from "../protocol/mod.ts";
import { ManualClock } from "../rooms/clock.ts";
import { RoomRegistry } from "../rooms/registry.ts";
import { FileStore } from "../store/file_store.ts";

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

const dir = await Deno.makeTempDir({ prefix: "owp-store-bench-" });
const store = new FileStore(dir);
const size = new TextEncoder().encode(JSON.stringify(room.record())).length;
await store.saveRoom(room.id, room.record()); // warm-up

const walls: number[] = [];
const cpuBefore = cpuUsage();
for (let i = 0; i < SAVES; i++) {
  const started = performance.now();
  await store.saveRoom(room.id, room.record());
  walls.push(performance.now() - started);
}
const cpu = cpuUsage(cpuBefore);
await Deno.remove(dir, { recursive: true });
walls.sort((a, b) => a - b);
const at = (q: number) => walls[Math.min(walls.length - 1, Math.floor(walls.length * q))]!;
console.log(
  `file store, a ${(size / 1024).toFixed(1)} KiB room record: ` +
    `${at(0.5).toFixed(2)} ms wall per save (median of ${SAVES}; p95 ${at(0.95).toFixed(2)}, ` +
    `max ${walls.at(-1)!.toFixed(2)}), ` +
    `${((cpu.user + cpu.system) / 1_000 / SAVES).toFixed(2)} ms CPU per save`,
);
