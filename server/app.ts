/**
 * The HTTP face: Hono routes for /ws (origin check, then the WebSocket upgrade), /health,
 * /ready and /metrics. Everything stateful is built here once per server, so tests can run
 * several servers side by side, each with its own clock.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import denoJson from "../deno.json" with { type: "json" };
import { type Clock, SystemClock } from "../rooms/clock.ts";
import { RoomRegistry } from "../rooms/registry.ts";
import { AddressBook } from "./addresses.ts";
import { createJwtAuthenticator } from "./auth.ts";
import { clientAddress, TrustedProxies } from "./client_address.ts";
import type { Config } from "./config.ts";
import { Connection } from "./connection.ts";
import type { InstanceLink, InstanceLinkFactory } from "./instance_link.ts";
import { createLogger, type Logger } from "./log.ts";
import { Gauge, ServerMetrics } from "./metrics.ts";
import { InviteTokens } from "./invites.ts";
import { processGauges } from "./process_gauges.ts";
import { ResumeTokens } from "./resume_tokens.ts";
import { asksForWebSocket, upgradeToWebSocket } from "./upgrade.ts";
import { webAssets } from "./web_assets.ts";
import { parseRoomRecord } from "../rooms/room_record.ts";
import { RoomSaver } from "../store/room_saver.ts";
import { MemoryOnlyStore, type RoomStore } from "../store/room_store.ts";
import { mountWebPage } from "./web_routes.ts";

export const VERSION: string = denoJson.version;

export interface SessionServerOptions {
  readonly config: Config;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Where the watch page lives (index.html, app.css, and the bundles in dist/). */
  readonly webRoot?: URL;
  /**
   * Builds the link to other instances when REDIS_URL is set. Passed in (main.ts imports
   * cluster/ only then), so a single in-memory server loads no Redis code at all.
   */
  readonly cluster?: InstanceLinkFactory;
  /**
   * With the cluster: rooms are kept in Redis and outlive their instance (a survivor adopts
   * them; a restart finds them). main.ts turns it on with REDIS_URL; off, a room closes with
   * its owner, as the in-process cluster tests expect.
   */
  readonly keepRooms?: boolean;
  /**
   * Where rooms are kept across restarts (store/open_store.ts); default: memory only. With
   * `savedRooms` (what it kept) the rooms of before are open again, their members away.
   */
  readonly store?: RoomStore;
  readonly savedRooms?: readonly unknown[];
  /** The resume tokens' key, when not RESUME_SECRET (a store keeps one); empty: random. */
  readonly resumeSecret?: string;
}

const DEFAULT_WEB_ROOT = new URL("../web/", import.meta.url);

export interface SessionServer {
  /** The request handler, for Deno.serve or `export default { fetch }`. */
  readonly fetch: (request: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  readonly registry: RoomRegistry;
  /** The link to other instances (REDIS_URL set), or null: one in-memory process. */
  readonly cluster: InstanceLink | null;
  readonly metrics: ServerMetrics;
  readonly connections: ReadonlySet<Connection>;
  readonly draining: boolean;
  /** Resolves once no connection is left (at once when none is): an event to await, not poll. */
  whenNoConnections(): Promise<void>;
  /** Resolves once the connection with this id is gone (at once when there is none). */
  whenGone(connectionId: string): Promise<void>;
  /**
   * Refuses new sockets, closes every open one with 1001 and every room, and resolves once
   * every socket has closed or `graceMs` has passed.
   */
  drain(graceMs?: number): Promise<void>;
}

export function createSessionServer(options: SessionServerOptions): SessionServer {
  const { config } = options;
  const clock = options.clock ?? new SystemClock(config.clockSkewMs);
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = new ServerMetrics();
  const startedAt = clock.now();
  const connections = new Set<Connection>();
  let draining = false;
  /** Sockets whose close event has not come yet (a closed Connection may still have one). */
  let openSockets = 0;
  let onAllSocketsClosed: (() => void) | null = null;
  const noConnectionWaiters: (() => void)[] = [];
  const goneWaiters = new Map<string, (() => void)[]>();
  const connectionGone = (connection: Connection) => {
    connections.delete(connection);
    for (const resolve of goneWaiters.get(connection.id) ?? []) resolve();
    goneWaiters.delete(connection.id);
    if (connections.size > 0) return;
    for (const resolve of noConnectionWaiters.splice(0)) resolve();
  };
  const socketClosed = () => {
    openSockets--;
    if (openSockets === 0) onAllSocketsClosed?.();
  };

  const registry = new RoomRegistry({
    clock,
    timings: config.timings,
    maxMembersPerRoom: config.limits.maxClientsPerRoom,
    maxRooms: config.limits.maxRooms,
    listMaxBytesPerSecond: config.limits.roomListMaxBytesPerSecond,
    resumeGraceMs: config.resume.graceMs,
    events: {
      roomCreated: (roomId) => {
        metrics.roomsCreated.inc();
        log.info("room created", { room: roomId });
      },
      roomClosed: (roomId, reason) => {
        metrics.roomsClosed.inc(reason);
        log.info("room closed", { room: roomId, reason });
        saver.closed(roomId);
      },
      roomChanged: (roomId) => saver.changed(roomId),
      stateUpdateJudged: (_roomId, verdict) => metrics.stateUpdates.inc(verdict),
      fault: (roomId, command, error) => log.error("room fault", { room: roomId, command, error }),
    },
  });
  if (config.cluster.redisUrl && !options.cluster) {
    throw new Error("REDIS_URL is set: createSessionServer needs the cluster factory");
  }
  const cluster = config.cluster.redisUrl && options.cluster
    ? options.cluster({
      redisUrl: config.cluster.redisUrl,
      instanceId: config.cluster.instanceId,
      leaseMs: config.cluster.leaseMs,
      clock,
      registry,
      log,
      keepRooms: options.keepRooms ?? false,
    })
    : null;
  // Rooms kept in Redis are saved through the cluster's store (it knows their epochs).
  const store = cluster?.store ?? options.store ?? new MemoryOnlyStore();
  const saver = new RoomSaver(store, (roomId) => registry.get(roomId), clock, log);
  restoreRooms(registry, options.savedRooms ?? [], log);
  const addresses = new AddressBook(clock, config.limits.roomCreationsPerMinute);
  const trustedProxies = TrustedProxies.fromList(config.trustedProxies);
  /** The warning about X-Forwarded-For from an untrusted peer is given once, not per request. */
  let warnedForwardedFor = false;
  const authenticator = config.jwt.secret ? createJwtAuthenticator(config.jwt, clock) : null;
  const connectionContext = {
    clock,
    registry,
    config,
    log,
    authenticator,
    metrics,
    resumeTokens: new ResumeTokens(options.resumeSecret || config.resume.secret),
    invites: new InviteTokens(options.resumeSecret || config.resume.secret),
    onGone: connectionGone,
  };

  const allowAll = config.allowedOrigins.includes("*");
  const allowed = new Set(config.allowedOrigins.map((origin) => origin.toLowerCase()));
  const originAllowed = (origin: string) => allowAll || allowed.has(origin.toLowerCase());
  /**
   * The page this server serves is always allowed to use it, whatever ALLOWED_ORIGINS says:
   * its origin's host is the host the request was sent to. (Behind a proxy that keeps the
   * Host header, as nginx and Caddy do, that is the public host.)
   */
  const isOwnOrigin = (origin: string, host: string | undefined) => {
    if (host === undefined) return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  };
  const idleTimeoutS = Math.round(config.limits.idleTimeoutMs / 1000);

  /** Deno.serve's handler info, passed by our `fetch` (absent when a caller gives none). */
  const app = new Hono<{ Bindings: { readonly remoteAddr: Deno.Addr | undefined } }>();
  app.use(
    "/health",
    cors({ origin: (origin) => (origin && originAllowed(origin) ? origin : null) }),
  );
  app.get("/health", (c) =>
    c.json({
      status: "ok",
      auth_enabled: authenticator !== null,
      rooms: registry.roomCount,
      connections: connections.size,
      uptime_s: Math.floor((clock.now() - startedAt) / 1000),
      version: VERSION,
    }));
  app.get("/ready", (c) => (draining ? c.text("draining", 503) : c.text("ready", 200)));
  app.get("/metrics", (c) => {
    if (config.metricsToken && c.req.header("authorization") !== `Bearer ${config.metricsToken}`) {
      return c.text("unauthorized", 401);
    }
    const gauges = [
      new Gauge("owp_connections", "Open WebSocket connections.", () => connections.size),
      new Gauge("owp_rooms", "Open rooms.", () => registry.roomCount),
      new Gauge(
        "owp_uptime_seconds",
        "Seconds since start.",
        () => Math.floor((clock.now() - startedAt) / 1000),
      ),
      ...(cluster ? clusterGauges(cluster) : []),
      ...processGauges({ clock, lobbySize: () => registry.lobbySize }),
    ];
    return c.text(metrics.render(gauges), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  /**
   * The connection writes to Deno's socket itself: a wrapper call per frame is measurable on
   * broadcasts (see bench/README.md). A socket that never opened never counts for drain.
   */
  const wireSocket = (socket: WebSocket, connection: Connection) => {
    let opened = false;
    socket.onopen = () => {
      opened = true;
      openSockets++;
      connection.open(socket);
    };
    socket.onmessage = (event) => connection.receive(event.data);
    socket.onclose = (event) => {
      connection.closed(event.code);
      if (opened) socketClosed();
    };
    socket.onerror = () => connection.closed(1006);
  };

  app.get("/ws", (c) => {
    if (draining) {
      metrics.upgradesRejected.inc("draining");
      return c.text("server shutting down", 503);
    }
    // No Origin header means a non-browser client, which is allowed (protocol 1).
    const origin = c.req.header("origin");
    if (
      origin !== undefined && !originAllowed(origin) && !isOwnOrigin(origin, c.req.header("host"))
    ) {
      metrics.upgradesRejected.inc("origin");
      log.info("upgrade refused: origin not allowed", { origin });
      return c.text("origin not allowed", 403);
    }
    if (!asksForWebSocket(c.req.header("upgrade"))) {
      metrics.upgradesRejected.inc("not_websocket");
      return c.text("expected a WebSocket upgrade", 426);
    }
    const client = clientAddress(c.env.remoteAddr, c.req.header("x-forwarded-for"), trustedProxies);
    if (client.untrustedForwardedFor && !warnedForwardedFor) {
      warnedForwardedFor = true;
      log.warn(
        "X-Forwarded-For from a peer not in TRUSTED_PROXIES is ignored: if a proxy is in " +
          "front, list it, or every client shares its address and the per-address limits",
        { peer: client.address },
      );
    }
    if (connections.size >= config.limits.maxConnections) {
      metrics.upgradesRejected.inc("server_limit");
      return c.text("server at connection limit", 503);
    }
    if (addresses.openConnections(client.address) >= config.limits.maxConnectionsPerAddress) {
      metrics.upgradesRejected.inc("address_limit");
      log.debug("upgrade refused: address limit", { address: client.address });
      return c.text("too many connections from this address", 429);
    }
    const upgraded = upgradeToWebSocket(c.req.raw, idleTimeoutS);
    if (!upgraded.ok) {
      metrics.upgradesRejected.inc("bad_handshake");
      log.debug("upgrade refused: bad handshake", { error: upgraded.reason });
      return c.text(`bad WebSocket handshake: ${upgraded.reason}`, 400);
    }
    // Only now, with a socket that will report its close, does the connection exist.
    const connection = new Connection(connectionContext, addresses.acquire(client.address));
    connections.add(connection);
    wireSocket(upgraded.socket, connection);
    return upgraded.response;
  });

  // After /ws and the others: the page's routes take what is left.
  mountWebPage(app, webAssets(options.webRoot ?? DEFAULT_WEB_ROOT));

  return {
    fetch: (request, info) => app.fetch(request, { remoteAddr: info?.remoteAddr }),
    registry,
    cluster,
    metrics,
    connections,
    get draining() {
      return draining;
    },
    whenNoConnections() {
      if (connections.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => noConnectionWaiters.push(resolve));
    },
    whenGone(connectionId) {
      if (![...connections].some((connection) => connection.id === connectionId)) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        goneWaiters.set(connectionId, [...(goneWaiters.get(connectionId) ?? []), resolve]);
      });
    },
    async drain(graceMs = 2_000) {
      draining = true;
      if (store.durable) {
        // The rooms are kept: saved as they are now, they stay open to the end and say
        // nothing; every socket closes with 1012, and its client comes back at once to resume
        // in the restarted server, where the room is again.
        await saver.saveAll(registry.rooms());
        registry.suspend();
        for (const connection of [...connections]) connection.close("serviceRestart");
      } else {
        // Rooms first: every member hears room_closed "server_shutdown" (and a page can say
        // the server restarted) before its socket closes with 1001. Closing the sockets first
        // would make each host's departure close its room as "host_left", to members gone.
        registry.shutdown();
        for (const connection of [...connections]) connection.close("goingAway");
      }
      addresses.clear();
      const socketsClosed = openSockets === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        onAllSocketsClosed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // The rooms' last frames and directory removals go out before the link to Redis closes.
      return Promise.all([socketsClosed, cluster?.close()]).then(() => {});
    },
  };
}

/** The rooms a store kept from before the restart, open again (a bad record is skipped). */
function restoreRooms(registry: RoomRegistry, saved: readonly unknown[], log: Logger): void {
  for (const raw of saved) {
    const parsed = parseRoomRecord(raw);
    if (!parsed.ok) {
      log.warn("a saved room was not restored", { why: parsed.why });
      continue;
    }
    const room = registry.restore(parsed.record);
    if (room) log.info("room restored", { room: room.id, members: room.memberCount });
    else log.warn("a saved room was not restored", { room: parsed.record.id, why: "refused" });
  }
}

/** What /metrics shows of the link to other instances. */
function clusterGauges(cluster: InstanceLink): Gauge[] {
  return [
    new Gauge("owp_cluster_redis_up", "1 while Redis is reachable.", () => cluster.redisUp ? 1 : 0),
    new Gauge("owp_cluster_peers", "Other live instances.", () => cluster.peerCount),
    new Gauge(
      "owp_cluster_remote_members",
      "Members of this instance's rooms connected to other instances.",
      () => cluster.remoteMemberCount,
    ),
    new Gauge(
      "owp_cluster_clock_offset_max_ms",
      "The largest clock offset measured to another instance, ms (absolute).",
      () => Math.max(0, ...cluster.clocks.peers().map(([, p]) => Math.abs(p.offsetMs))),
    ),
  ];
}
