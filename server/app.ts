/**
 * One session server, built once per call so tests can run several side by side, each with
 * its own clock: the room registry and its store, the connection hub, the link to other
 * instances (REDIS_URL), and the HTTP face (Hono): /ws (server/ws_route.ts), /health, /ready
 * and /metrics (server/ops_routes.ts), then the watch page.
 */
import { Hono } from "hono";
import denoJson from "../deno.json" with { type: "json" };
import {
  type Clock,
  parseRoomRecord,
  type RoomDirectory,
  RoomRegistry,
  SystemClock,
} from "../rooms/mod.ts";
import { RoomSaver } from "../store/room_saver.ts";
import { MemoryOnlyStore, type RoomStore } from "../store/room_store.ts";
import { AddressBook } from "./addresses.ts";
import { createJwtAuthenticator } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Connection } from "./connection.ts";
import { ConnectionHub } from "./hub.ts";
import type { InstanceLink, InstanceLinkFactory } from "./instance_link.ts";
import { InviteTokens } from "./invites.ts";
import { createLogger, type Logger } from "./log.ts";
import { ServerMetrics } from "./metrics.ts";
import { mountOpsRoutes } from "./ops_routes.ts";
import { ResumeTokens } from "./resume_tokens.ts";
import { webAssets } from "./web_assets.ts";
import { mountWebPage } from "./web_routes.ts";
import { mountWebSocketRoute, originPolicy } from "./ws_route.ts";

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
  /** This process's rooms. */
  readonly registry: RoomRegistry;
  /** The rooms its connections go through: the registry, or in a cluster every instance's. */
  readonly directory: RoomDirectory;
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
  let draining = false;
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
  // The rooms the connections go through: this process's alone, or every instance's.
  const directory = cluster?.directory ?? registry;
  // Rooms kept in Redis are saved through the cluster's store (it knows their epochs).
  const store = cluster?.store ?? options.store ?? new MemoryOnlyStore();
  const saver = new RoomSaver(store, (roomId) => registry.get(roomId), clock, log);
  restoreRooms(registry, options.savedRooms ?? [], log);
  const addresses = new AddressBook(clock, config.limits.roomCreationsPerMinute);
  const hub = new ConnectionHub(clock, config.limits, addresses);
  const authenticator = config.jwt.secret ? createJwtAuthenticator(config.jwt, clock) : null;
  const connectionContext = {
    clock,
    directory,
    config,
    log,
    authenticator,
    metrics,
    resumeTokens: new ResumeTokens(options.resumeSecret || config.resume.secret),
    invites: new InviteTokens(options.resumeSecret || config.resume.secret),
    onGone: (connection: Connection) => hub.gone(connection),
  };
  const originAllowed = originPolicy(config.allowedOrigins);
  const isDraining = () => draining;

  /** Deno.serve's handler info, passed by our `fetch` (absent when a caller gives none). */
  const app = new Hono<{ Bindings: { readonly remoteAddr: Deno.Addr | undefined } }>();
  mountOpsRoutes(app, {
    config,
    clock,
    startedAt,
    version: VERSION,
    directory,
    metrics,
    cluster,
    authEnabled: authenticator !== null,
    connectionCount: () => hub.size,
    draining: isDraining,
    originAllowed,
  });
  mountWebSocketRoute(app, {
    config,
    log,
    metrics,
    hub,
    addresses,
    connectionContext,
    draining: isDraining,
    originAllowed,
  });
  // After /ws and the others: the page's routes take what is left.
  mountWebPage(app, webAssets(options.webRoot ?? DEFAULT_WEB_ROOT));

  return {
    fetch: (request, info) => app.fetch(request, { remoteAddr: info?.remoteAddr }),
    registry,
    directory,
    cluster,
    metrics,
    connections: hub.connections,
    get draining() {
      return draining;
    },
    whenNoConnections: () => hub.whenNoConnections(),
    whenGone: (connectionId) => hub.whenGone(connectionId),
    async drain(graceMs = 2_000) {
      draining = true;
      if (store.durable) {
        // The rooms are kept: saved as they are now, they stay open to the end and say
        // nothing; every socket closes with 1012, and its client comes back at once to resume
        // in the restarted server, where the room is again.
        await saver.saveAll(registry.rooms());
        registry.suspend();
        hub.closeAll("serviceRestart");
      } else {
        // Rooms first: every member hears room_closed "server_shutdown" (and a page can say
        // the server restarted) before its socket closes with 1001. Closing the sockets first
        // would make each host's departure close its room as "host_left", to members gone.
        registry.shutdown();
        hub.closeAll("goingAway");
      }
      addresses.clear();
      const socketsClosed = hub.socketsClosed(graceMs);
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
