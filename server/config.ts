/**
 * The environment, validated by one zod schema (docs/protocol.md 7.4). A bad value stops start-up
 * with a message naming the variable. Empty values count as unset (compose files often write
 * `VAR=`), except where empty has a meaning of its own (JWT_SECRET: auth off).
 */
import { z } from "zod";
import {
  AUTH_TIMEOUT_MS,
  DEFAULT_TIMINGS,
  IDLE_TIMEOUT_MS,
  MAX_BUFFERED_BYTES,
  MAX_CLIENTS_PER_ROOM,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_IP,
  MAX_FRAME_BYTES,
  MAX_ROOMS,
  RATE_LIMIT_PER_SECOND,
  RESUME_GRACE_MS,
  ROOM_CREATIONS_PER_MINUTE,
  ROOM_LIST_MAX_BYTES_PER_SECOND,
  type Timings,
} from "../protocol/mod.ts";
import { INSTANCE_LEASE_MS } from "./instance_link.ts";
import { formatRange, parseRange } from "./ip.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.ts";

export const DEFAULT_ALLOWED_ORIGINS = "http://localhost:8096,https://localhost:8096";

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min, { error: `must be a whole number from ${min} to ${max}` })
      .max(max, { error: `must be a whole number from ${min} to ${max}` })
      .default(fallback),
  );

const text = (fallback: string) => z.preprocess(unsetIfEmpty, z.string().default(fallback));

const origins = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .default(DEFAULT_ALLOWED_ORIGINS)
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean))
    .refine((list) => list.length > 0, { error: "must list at least one origin or *" })
    .refine(
      (list) => list.every((origin) => origin === "*" || /^https?:\/\/[^/\s]+$/.test(origin)),
      { error: "each origin must be * or scheme://host[:port] without a path" },
    ),
);

/** IPs and CIDR ranges, IPv4 or IPv6, comma-separated; kept in their canonical spelling. */
const ipRanges = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .default("")
    .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      const bad = list.find((entry) => parseRange(entry) === null);
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `each entry must be an IP address or CIDR range (${JSON.stringify(bad)} is not)`,
        });
      }
    })
    .transform((list) => list.map((entry) => formatRange(parseRange(entry)!))),
);

const EnvSchema = z.object({
  PORT: integer(0, 65_535, 3000),
  HOST: text("0.0.0.0"),
  ALLOWED_ORIGINS: origins,
  JWT_SECRET: z.string().default(""),
  JWT_AUDIENCE: text("OpenWatchParty"),
  JWT_ISSUER: text("Jellyfin"),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === "string" ? unsetIfEmpty(value.toLowerCase()) : value),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  ),
  LOG_FORMAT: z.preprocess(
    (value) => (typeof value === "string" ? unsetIfEmpty(value.toLowerCase()) : value),
    z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }).default("auto"),
  ),
  METRICS_TOKEN: z.string().default(""),
  TRUSTED_PROXIES: ipRanges,
  MAX_FRAME_BYTES: integer(1_024, 16 * 1_048_576, MAX_FRAME_BYTES),
  RATE_LIMIT_PER_SECOND: integer(1, 100_000, RATE_LIMIT_PER_SECOND),
  MAX_CLIENTS_PER_ROOM: integer(1, 10_000, MAX_CLIENTS_PER_ROOM),
  MAX_ROOMS: integer(1, 10_000_000, MAX_ROOMS),
  MAX_CONNECTIONS: integer(1, 10_000_000, MAX_CONNECTIONS),
  MAX_CONNECTIONS_PER_IP: integer(1, 10_000_000, MAX_CONNECTIONS_PER_IP),
  ROOM_CREATIONS_PER_MINUTE: integer(1, 100_000, ROOM_CREATIONS_PER_MINUTE),
  MAX_BUFFERED_BYTES: integer(1_024, 1_073_741_824, MAX_BUFFERED_BYTES),
  AUTH_TIMEOUT_MS: integer(100, 600_000, AUTH_TIMEOUT_MS),
  IDLE_TIMEOUT_MS: integer(2_000, 3_600_000, IDLE_TIMEOUT_MS),
  ROOM_LIST_MAX_BYTES_PER_SECOND: integer(65_536, 1_073_741_824, ROOM_LIST_MAX_BYTES_PER_SECOND),
  PLAY_SCHEDULE_MS: integer(0, 60_000, DEFAULT_TIMINGS.playScheduleMs),
  CONTROL_SCHEDULE_MS: integer(0, 60_000, DEFAULT_TIMINGS.controlScheduleMs),
  MAX_READY_WAIT_MS: integer(0, 600_000, DEFAULT_TIMINGS.maxReadyWaitMs),
  MAX_REBUFFER_WAIT_MS: integer(0, 600_000, DEFAULT_TIMINGS.maxRebufferWaitMs),
  MIN_STATE_UPDATE_INTERVAL_MS: integer(0, 60_000, DEFAULT_TIMINGS.minStateUpdateIntervalMs),
  COMMAND_COOLDOWN_MS: integer(0, 60_000, DEFAULT_TIMINGS.commandCooldownMs),
  LEGACY_CLIENT_LEAD_MS: integer(0, 60_000, DEFAULT_TIMINGS.legacyClientLeadMs),
  RESUME_GRACE_MS: integer(0, 600_000, RESUME_GRACE_MS),
  RESUME_SECRET: z.string().default(""),
  REDIS_URL: z.string().default("").refine(
    (url) => url === "" || /^rediss?:\/\//.test(url),
    "REDIS_URL must start with redis:// or rediss://",
  ),
  INSTANCE_ID: z.string().max(100).regex(/^[\w.-]*$/, "INSTANCE_ID: letters, digits, . _ -")
    .default(""),
  INSTANCE_LEASE_MS: integer(500, 600_000, INSTANCE_LEASE_MS),
  CLOCK_SKEW_MS: integer(-86_400_000, 86_400_000, 0),
  DATA_DIR: z.string().max(4_096).default(""),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Allowed browser origins; `["*"]` allows every origin. */
  readonly allowedOrigins: readonly string[];
  readonly jwt: { readonly secret: string; readonly audience: string; readonly issuer: string };
  readonly logLevel: LogLevel;
  /** `auto`: readable text on a terminal, one JSON object a line otherwise (log collectors). */
  readonly logFormat: LogFormat;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  readonly metricsToken: string;
  /**
   * Proxies whose X-Forwarded-For is believed (IPs and CIDR ranges, canonical); empty: the
   * TCP peer is the client.
   */
  readonly trustedProxies: readonly string[];
  /** Many instances sharing rooms through Redis (cluster/); off when `redisUrl` is empty. */
  readonly cluster: {
    readonly redisUrl: string;
    /** This instance's name in the directory; empty: a random one per process. */
    readonly instanceId: string;
    /** An instance silent this long is gone: its rooms close, its members leave. */
    readonly leaseMs: number;
  };
  /** Test aid: this process's clock runs this far from the host's (multi-instance tests). */
  readonly clockSkewMs: number;
  /**
   * Where rooms are kept so that they survive a restart (store/file_store.ts); empty: in
   * memory only, as by default (every room closes with the process).
   */
  readonly dataDir: string;
  readonly resume: {
    /** How long a dropped member stays away, resumable; 0: it leaves at once. */
    readonly graceMs: number;
    /** Key of the resume tokens; empty: a random key per process. */
    readonly secret: string;
  };
  readonly limits: {
    readonly maxFrameBytes: number;
    readonly messagesPerSecond: number;
    readonly maxClientsPerRoom: number;
    readonly maxRooms: number;
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
    readonly roomCreationsPerMinute: number;
    readonly maxBufferedBytes: number;
    readonly authTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly roomListMaxBytesPerSecond: number;
  };
  readonly timings: Timings;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly errors: readonly string[] };

export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const got = env[name];
      return `Invalid environment variable ${name}: ${issue.message}` +
        (got === undefined ? "" : ` (got ${JSON.stringify(got)})`);
    });
    return { ok: false, errors };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      port: e.PORT,
      host: e.HOST,
      allowedOrigins: e.ALLOWED_ORIGINS,
      jwt: { secret: e.JWT_SECRET, audience: e.JWT_AUDIENCE, issuer: e.JWT_ISSUER },
      logLevel: e.LOG_LEVEL,
      logFormat: e.LOG_FORMAT,
      metricsToken: e.METRICS_TOKEN,
      trustedProxies: e.TRUSTED_PROXIES,
      resume: { graceMs: e.RESUME_GRACE_MS, secret: e.RESUME_SECRET },
      cluster: { redisUrl: e.REDIS_URL, instanceId: e.INSTANCE_ID, leaseMs: e.INSTANCE_LEASE_MS },
      clockSkewMs: e.CLOCK_SKEW_MS,
      dataDir: e.DATA_DIR,
      limits: {
        maxFrameBytes: e.MAX_FRAME_BYTES,
        messagesPerSecond: e.RATE_LIMIT_PER_SECOND,
        maxClientsPerRoom: e.MAX_CLIENTS_PER_ROOM,
        maxRooms: e.MAX_ROOMS,
        maxConnections: e.MAX_CONNECTIONS,
        maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_IP,
        roomCreationsPerMinute: e.ROOM_CREATIONS_PER_MINUTE,
        maxBufferedBytes: e.MAX_BUFFERED_BYTES,
        authTimeoutMs: e.AUTH_TIMEOUT_MS,
        idleTimeoutMs: e.IDLE_TIMEOUT_MS,
        roomListMaxBytesPerSecond: e.ROOM_LIST_MAX_BYTES_PER_SECOND,
      },
      timings: {
        ...DEFAULT_TIMINGS,
        playScheduleMs: e.PLAY_SCHEDULE_MS,
        controlScheduleMs: e.CONTROL_SCHEDULE_MS,
        maxReadyWaitMs: e.MAX_READY_WAIT_MS,
        maxRebufferWaitMs: e.MAX_REBUFFER_WAIT_MS,
        minStateUpdateIntervalMs: e.MIN_STATE_UPDATE_INTERVAL_MS,
        commandCooldownMs: e.COMMAND_COOLDOWN_MS,
        legacyClientLeadMs: e.LEGACY_CLIENT_LEAD_MS,
      },
    },
  };
}

/** The defaults, as `deno task start` runs with an empty environment. */
export function defaultConfig(overrides: Record<string, string> = {}): Config {
  const result = loadConfig(overrides);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}
