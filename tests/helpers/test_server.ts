import { type Clock, ManualClock } from "../../rooms/clock.ts";
import { createSessionServer, type SessionServer } from "../../server/app.ts";
import { createCluster } from "../../cluster/redis_cluster.ts";
import { defaultConfig } from "../../server/config.ts";
import { type Logger, silentLogger } from "../../server/log.ts";

export interface TestServer {
  readonly port: number;
  readonly server: SessionServer;
  readonly clock: Clock;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Drains the server and stops listening; once: closing again, or disposing, does nothing. */
  close(): Promise<void>;
  /** As close(): `await using test = startTestServer()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestServerOptions {
  /** Environment variables, as the real server would read them. */
  readonly env?: Record<string, string>;
  /** Defaults to a ManualClock, so no room or registry timer runs on its own. */
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Where the watch page is served from (defaults to the project's web/). */
  readonly webRoot?: URL;
}

/** How long a test server's drain waits for its sockets to close (on its own clock). */
const DRAIN_GRACE_MS = 2_000;

/** The real server on a free loopback port. */
export function startTestServer(options: TestServerOptions = {}): TestServer {
  const clock = options.clock ?? new ManualClock();
  const server = createSessionServer({
    config: defaultConfig(options.env),
    clock,
    log: options.log ?? silentLogger,
    webRoot: options.webRoot,
    cluster: createCluster,
  });
  // The handler info carries the peer address that the per-address limits count.
  const http = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request, info) => server.fetch(request, info),
  );
  const { port } = http.addr;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      let drained = false;
      const draining = server.drain(DRAIN_GRACE_MS).finally(() => drained = true);
      // Drain's grace runs on the server's clock. On a manual one nothing would end it: each
      // turn of the event loop lets the sockets that answer close, then the grace is over.
      while (!drained && clock instanceof ManualClock) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (!drained) clock.advance(DRAIN_GRACE_MS);
      }
      await draining;
      await http.shutdown();
    })();
  return {
    port,
    server,
    clock,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

export function manualClockOf(test: TestServer): ManualClock {
  if (!(test.clock instanceof ManualClock)) throw new Error("this server runs on a real clock");
  return test.clock;
}
