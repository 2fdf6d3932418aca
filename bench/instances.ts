/**
 * `deno task bench --instances N`: N instances of our server on one Redis (Debian's
 * redis-server, started here on a free loopback port with nothing persisted), for the
 * multi-instance figures: fan-out with members on other instances than their room's owner.
 */
import { type StartedServer, startOurServer } from "./server_process.ts";

export interface StartedInstances {
  readonly servers: readonly StartedServer[];
  stop(): Promise<void>;
}

/** Debian's redis-server on a free loopback port, nothing persisted; stop it by its process. */
export async function startRedisServer(): Promise<{ port: number; process: Deno.ChildProcess }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const process = new Deno.Command("redis-server", {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // The instances reconnect on their own; this only spares them a failed first attempt.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { port, process };
}

export async function startInstances(
  count: number,
  env: readonly string[],
  cpuProfDir?: string,
): Promise<StartedInstances> {
  const { port, process: redis } = await startRedisServer();
  const servers: StartedServer[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(
      await startOurServer([
        `REDIS_URL=redis://127.0.0.1:${port}`,
        `INSTANCE_ID=bench-${i}`,
        "RESUME_SECRET=bench-shared-secret-bench-shared-secret",
        ...env,
      ], cpuProfDir),
    );
  }
  // The directory and the clock comparisons need a heartbeat or two.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  console.error(`${count} instances on redis port ${port}`);
  return {
    servers,
    async stop() {
      for (const server of servers) await server.stop();
      redis.kill("SIGTERM");
      await redis.status;
    },
  };
}
