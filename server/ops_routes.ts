/**
 * The operator's routes: /health (the original server's, with a few more fields), /ready (503
 * while draining, for a load balancer) and /metrics (Prometheus text, behind METRICS_TOKEN when
 * set).
 */
import type { Env, Hono } from "hono";
import { cors } from "hono/cors";
import type { Clock, RoomDirectory } from "../rooms/mod.ts";
import type { Config } from "./config.ts";
import type { InstanceLink } from "./instance_link.ts";
import { Gauge, type ServerMetrics } from "./metrics.ts";
import { processGauges } from "./process_gauges.ts";

export interface OpsRouteContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly version: string;
  readonly directory: RoomDirectory;
  readonly metrics: ServerMetrics;
  readonly cluster: InstanceLink | null;
  readonly authEnabled: boolean;
  readonly connectionCount: () => number;
  readonly draining: () => boolean;
  readonly originAllowed: (origin: string) => boolean;
}

export function mountOpsRoutes<E extends Env>(app: Hono<E>, ctx: OpsRouteContext): void {
  const { clock, directory } = ctx;
  const uptimeS = () => Math.floor((clock.now() - ctx.startedAt) / 1000);
  app.use(
    "/health",
    cors({ origin: (origin) => (origin && ctx.originAllowed(origin) ? origin : null) }),
  );
  app.get("/health", (c) =>
    c.json({
      status: "ok",
      auth_enabled: ctx.authEnabled,
      rooms: directory.roomCount,
      connections: ctx.connectionCount(),
      uptime_s: uptimeS(),
      version: ctx.version,
    }));
  app.get("/ready", (c) => (ctx.draining() ? c.text("draining", 503) : c.text("ready", 200)));
  app.get("/metrics", (c) => {
    const token = ctx.config.metricsToken;
    if (token && c.req.header("authorization") !== `Bearer ${token}`) {
      return c.text("unauthorized", 401);
    }
    const gauges = [
      new Gauge("owp_connections", "Open WebSocket connections.", ctx.connectionCount),
      new Gauge("owp_rooms", "Open rooms.", () => directory.roomCount),
      new Gauge("owp_uptime_seconds", "Seconds since start.", uptimeS),
      ...(ctx.cluster ? clusterGauges(ctx.cluster) : []),
      ...processGauges({ clock, lobbySize: () => directory.lobbySize }),
    ];
    return c.text(ctx.metrics.render(gauges), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
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
