/**
 * What one room-password check costs: PBKDF2-HMAC-SHA256 at PASSWORD_HASH_ITERATIONS, as
 * server/room_passwords.ts runs it. Wall time per check (one at a time) and CPU time per
 * check (the process's user + system time, which is what a CPU-limited isolate is billed and
 * throttled on), then several checks at once (WebCrypto runs them off the event loop).
 *
 *   deno task bench:password [checks]
 */
import { cpuUsage } from "node:process";
import { PASSWORD_HASH_ITERATIONS } from "../protocol/mod.ts";
import { hashPassword, passwordMatches } from "../server/room_passwords.ts";

const CHECKS = Number(Deno.args[0] ?? 20);
const CONCURRENT = 4;

const stored = await hashPassword("correct horse battery staple");
await passwordMatches("warm-up", stored);

const walls: number[] = [];
const cpuBefore = cpuUsage();
for (let i = 0; i < CHECKS; i++) {
  const started = performance.now();
  await passwordMatches(`guess ${i}`, stored);
  walls.push(performance.now() - started);
}
const cpu = cpuUsage(cpuBefore);
walls.sort((a, b) => a - b);
const median = walls[Math.floor(walls.length / 2)]!;
const cpuPerCheck = (cpu.user + cpu.system) / 1_000 / CHECKS;

const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENT }, (_, i) => passwordMatches(`together ${i}`, stored)),
);
const together = performance.now() - started;

console.log(
  `PBKDF2-SHA256 x ${PASSWORD_HASH_ITERATIONS.toLocaleString("en")}: ` +
    `${median.toFixed(1)} ms wall (median of ${CHECKS}, min ${walls[0]!.toFixed(1)}, ` +
    `max ${walls.at(-1)!.toFixed(1)}), ${cpuPerCheck.toFixed(1)} ms CPU per check; ` +
    `${CONCURRENT} at once: ${together.toFixed(1)} ms wall`,
);
