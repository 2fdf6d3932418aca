/**
 * A Redis server for the multi-instance tests: Debian's `redis-server` started on a free
 * loopback port with nothing persisted (.ci/run installs it), stopped by its process. A test
 * can stop and start it again on the same port (Redis restarted mid-party). Without the binary
 * the tests that need it are skipped, like the browser tests without Chromium.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function redisAvailable(): boolean {
  try {
    return new Deno.Command("redis-server", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function reachable(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(16);
    const n = await conn.read(buffer);
    conn.close();
    return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  }
}

/**
 * A Redis for a test that never stops it: the one .ci/run started (OWP_TEST_REDIS_URL),
 * emptied first, or else one of its own.
 */
export async function sharedRedis(): Promise<RedisServer> {
  const url = Deno.env.get("OWP_TEST_REDIS_URL");
  if (!url) return await startRedis();
  const port = Number(new URL(url).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("FLUSHALL\r\n"));
  await conn.read(new Uint8Array(16));
  conn.close();
  const refuse = () => Promise.reject(new Error("the shared Redis is not stopped by tests"));
  return { port, url, start: refuse, stop: refuse, [Symbol.asyncDispose]: async () => {} };
}

export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 200 && !(await reachable(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const stop = async () => {
    if (!child) return;
    const running = child;
    child = null;
    running.kill("SIGKILL");
    await running.status;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
