/**
 * Entry point: read the environment, build the session server, serve it, and shut down
 * cleanly on SIGTERM/SIGINT. On Deno Deploy the same file works: Deno.serve is the entry.
 */
import { createSessionServer } from "./server/app.ts";
import { loadConfig } from "./server/config.ts";
import { createLogger } from "./server/log.ts";
import { MIN_SECRET_CHARS } from "./server/auth.ts";

/** How long shutdown may wait for sockets and requests before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

const result = loadConfig(Deno.env.toObject());
if (!result.ok) {
  for (const error of result.errors) console.error(error);
  Deno.exit(1);
}
const config = result.config;
const log = createLogger(config.logLevel);

if (config.allowedOrigins.includes("*")) {
  log.warn("ALLOWED_ORIGINS is *: any web page may open sessions on this server");
}
if (config.jwt.secret && config.jwt.secret.length < MIN_SECRET_CHARS) {
  log.warn(`JWT_SECRET is shorter than ${MIN_SECRET_CHARS} characters: tokens can be forged`);
}
if (!config.jwt.secret) log.info("authentication disabled (JWT_SECRET is empty)");
if (config.cluster.redisUrl && !config.resume.secret) {
  log.warn(
    "REDIS_URL is set but RESUME_SECRET is empty: resume tokens and invite links made here " +
      "will not be accepted by the other instances",
  );
}

// Several instances on one Redis: the cluster code (and the Redis client) load only then.
const cluster = config.cluster.redisUrl
  ? (await import("./cluster/cluster.ts")).createCluster
  : undefined;
const server = createSessionServer({ config, log, cluster });
// Assigned below; signals are wired first so that one arriving during start-up is honoured.
// deno-lint-ignore prefer-const -- assigned after the signal handlers that read it
let http: Deno.HttpServer | undefined;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal, connections: server.connections.size });
  // Our 1001 close frames go out first (clients reconnect); then the listener stops.
  await server.drain(SHUTDOWN_GRACE_MS);
  const grace = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
  await Promise.race([http?.shutdown(), grace]);
  log.info("stopped");
  Deno.exit(0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => void shutdown(signal));
  } catch {
    // Some hosts (Deno Deploy) have no signals; the platform stops the isolate itself.
  }
}

http = Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) => log.info("listening", { host: hostname, port }),
}, server.fetch);
