/**
 * Entry point: read the environment, build the session server, serve it, and shut down
 * cleanly on SIGTERM/SIGINT. Deno Deploy runs this same file (deno.json "deploy"): it needs
 * no flag beyond the permissions, never writes a file (DATA_DIR unset), and its eviction's
 * SIGINT is handled like Docker's SIGTERM. With DATA_DIR, rooms are saved there and a restart
 * keeps them: shutdown saves and closes sockets with 1012, and clients resume at once.
 */
import { createSessionServer, VERSION } from "./server/app.ts";
import { loadConfig } from "./server/config.ts";
import { createLogger, resolveLogFormat } from "./server/log.ts";
import { listenUrls } from "./server/listen_url.ts";
import { MIN_SECRET_CHARS } from "./server/auth.ts";
import { openStore } from "./store/open_store.ts";

/**
 * Everything shutdown does (close frames out, then the listener) fits in this, so the process
 * exits on its own well before a platform's kill: Deno Deploy sends SIGKILL 5 s after SIGINT,
 * and Docker (compose's stop_grace_period: 10s here) 10 s after SIGTERM.
 */
const SHUTDOWN_BUDGET_MS = 3_000;

const result = loadConfig(Deno.env.toObject());
if (!result.ok) {
  for (const error of result.errors) console.error(error);
  Deno.exit(1);
}
const config = result.config;
const logFormat = resolveLogFormat(config.logFormat);
const log = createLogger(config.logLevel, undefined, logFormat);

if (config.allowedOrigins.includes("*")) {
  log.warn("ALLOWED_ORIGINS is *: any web page may open sessions on this server");
}
if (config.jwt.secret && config.jwt.secret.length < MIN_SECRET_CHARS) {
  log.warn(`JWT_SECRET is shorter than ${MIN_SECRET_CHARS} characters: tokens can be forged`);
}
if (!config.jwt.secret) log.info("authentication disabled (JWT_SECRET is empty)");

// Several instances on one Redis: the cluster code (and the Redis client) load only then.
const cluster = config.cluster.redisUrl
  ? (await import("./cluster/redis_cluster.ts")).createCluster
  : undefined;
if (config.cluster.redisUrl && config.dataDir) {
  log.warn("DATA_DIR is ignored with REDIS_URL: the instances keep their rooms in Redis");
}
// DATA_DIR: the rooms of before the restart are open again, and resume tokens still valid.
const opened = await openStore(config).catch((error) => {
  // Most often: DATA_DIR is not writable, or the process may not write there.
  console.error(
    `DATA_DIR ${config.dataDir}: rooms cannot be kept there (${error}). ` +
      `Give the process read and write access to it (deno run --allow-write=${config.dataDir}), ` +
      "or leave DATA_DIR unset to keep rooms in memory only.",
  );
  Deno.exit(1);
});
if (opened.store.durable) {
  log.info("rooms are kept across restarts", {
    dir: config.dataDir,
    rooms: opened.savedRooms.length,
  });
}
for (const id of opened.unreadable) log.warn("a saved room could not be read", { room: id });
if (config.cluster.redisUrl && !opened.resumeSecret) {
  log.warn(
    "Redis was not reachable at start and RESUME_SECRET is empty: resume tokens and invite " +
      "links made here will not be accepted by the other instances",
  );
}
const server = createSessionServer({
  config,
  log,
  cluster,
  // With REDIS_URL, rooms are kept in Redis: they outlive an instance and a restart.
  keepRooms: !!config.cluster.redisUrl,
  store: opened.store,
  savedRooms: opened.savedRooms,
  resumeSecret: opened.resumeSecret,
});
// Assigned below; signals are wired first so that one arriving during start-up is honoured.
// deno-lint-ignore prefer-const -- assigned after the signal handlers that read it
let http: Deno.HttpServer | undefined;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = performance.now() + SHUTDOWN_BUDGET_MS;
  const left = () => Math.max(0, deadline - performance.now());
  log.info("shutting down", { signal, connections: server.connections.size });
  // Our 1001 close frames go out first (clients reconnect); then the listener stops, in
  // whatever the budget has left.
  await server.drain(left());
  let budgetTimer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise((resolve) => (budgetTimer = setTimeout(resolve, left())));
  await Promise.race([http?.shutdown(), budget]);
  clearTimeout(budgetTimer);
  log.info("stopped", { ms: Math.round(SHUTDOWN_BUDGET_MS - left()) });
  Deno.exit(0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => void shutdown(signal));
  } catch {
    // A host without this signal (Windows has no SIGTERM): the platform stops the process.
  }
}

http = Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) => {
    const urls = listenUrls(hostname, port);
    if (logFormat.format === "text") {
      // For a person at a terminal: one line that says where to go.
      console.log(
        `OpenWatchParty session server ${VERSION}: open ${urls.page} ` +
          `(WebSocket ${urls.ws}; PORT and HOST change it)`,
      );
    } else {
      log.info("listening", { host: hostname, port, url: urls.page, ws: urls.ws });
    }
  },
}, server.fetch);
