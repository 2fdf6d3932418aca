/**
 * Server instances as separate main.ts processes on one Redis, for the multi-instance tests:
 * started with a short instance lease, settled before a test kills one, stopped for sure.
 */
import { type RunningMain, startMain } from "./main_process.ts";

/** A short lease, so a dead instance's rooms are adopted quickly. */
export const TEST_LEASE_MS = 1_500;

export interface Instance {
  readonly process: RunningMain;
  readonly port: number;
  readonly wsUrl: string;
  readonly startedAt: number;
}

/** Waits for a real process to get somewhere (its clock cannot be advanced). */
export async function until(done: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = performance.now() + ms;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One instance `id` on `redisUrl`, once it is in touch with Redis. `env` goes on top. */
export async function startInstance(
  redisUrl: string,
  id: string,
  env: Record<string, string> = {},
): Promise<Instance> {
  const process = await startMain({
    REDIS_URL: redisUrl,
    INSTANCE_ID: id,
    INSTANCE_LEASE_MS: String(TEST_LEASE_MS),
    LOG_FORMAT: "json",
    ...env,
  });
  await until(() => process.lines.some((line) => line.msg === "redis connected"), "connected");
  return {
    process,
    port: process.port,
    wsUrl: `ws://127.0.0.1:${process.port}/ws`,
    startedAt: performance.now(),
  };
}

/** Three instances on one Redis: `<prefix>-a`, `-b` and `-c`. */
export async function threeInstances(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<readonly [Instance, Instance, Instance]> {
  const [a, b, c] = await Promise.all(
    ["a", "b", "c"].map((name) => startInstance(redisUrl, `${prefix}-${name}`, env)),
  );
  return [a!, b!, c!] as const;
}

/**
 * Every instance settled (one declares a peer gone only after a whole lease of its own in
 * touch with Redis), and the last command's save landed (a few ms after it).
 */
export async function settled(instances: readonly Instance[]): Promise<void> {
  const newest = Math.max(...instances.map((instance) => instance.startedAt));
  const settle = TEST_LEASE_MS - (performance.now() - newest);
  if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle + 100));
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** SIGKILL, which ends a stopped (SIGSTOP) process too; resolves once it is gone. */
export async function stopInstance(instance: Instance): Promise<void> {
  try {
    instance.process.child.kill("SIGKILL");
  } catch { /* already gone */ }
  await instance.process.child.status;
  await instance.process.finished;
}

/** Which of the instances (named a, b, c…) logged adopting `roomId`. */
export function adoptedBy(instances: readonly Instance[], roomId: string): string[] {
  return instances.flatMap((instance, i) =>
    instance.process.lines.some((line) => line.msg === "room adopted" && line.room === roomId)
      ? [String.fromCharCode(97 + i)]
      : []
  );
}
