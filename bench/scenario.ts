/**
 * What a benchmark run does: how many rooms and members, how long, how fast clients arrive,
 * and the traffic mix of a real party. Parsed from the command line, validated by zod.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const ScenarioSchema = z.object({
  /** Target server (ws://host:port/ws). Absent: `deno task bench` starts ours. */
  url: z.string().regex(/^wss?:\/\//, { error: "url must start with ws:// or wss://" }).optional(),
  rooms: int(1, 200),
  /** Members per room, host included. */
  members: int(2, 10),
  durationS: int(1, 30),
  /** New connections per second during ramp-up (all workers together). */
  rampPerS: int(1, 400),
  /** Web Workers generating load; each owns whole rooms so a room shares one clock. */
  workers: int(1, 1),
  /** Each host sends state_update this often while playing (a real player: ~1 s). */
  // At least the server's MIN_STATE_UPDATE_INTERVAL_MS, or the server rightly drops some.
  stateIntervalMs: int(500, 1_000),
  /** Each host sends a player_event (pause / play in turn) this often. */
  playerEventIntervalS: int(1, 10),
  /** Every member pings this often (the upstream client syncs clocks every few seconds). */
  pingIntervalMs: int(100, 5_000),
  /** Every member chats about this often (0: no chat). */
  chatIntervalS: int(0, 30),
  /** After the window, how long to wait for deliveries before counting them lost. */
  drainMs: int(0, 2_000),
  /** The server's process id, for RSS and CPU figures (set automatically when we start it). */
  pid: z.coerce.number().int().positive().optional(),
  /** Idle mode: open this many connections, no rooms, and report memory per connection. */
  idle: int(0, 0),
  /**
   * Idle mode: keep the connections this many seconds after the ramp, sampling RSS each second.
   * Just after a fast ramp V8's young generation is still sized for it; it gives that back after
   * some seconds of quiet (~30 s on Deno 2.9), which is the cost a long-idle server pays.
   */
  settleS: int(0, 0),
  /**
   * Start this many instances of our server sharing one Redis (a redis-server the bench starts):
   * each party's host and members are spread over them.
   */
  instances: int(1, 1),
  /** A state_update is not sent this soon after a player_event: the server's cooldown. */
  commandCooldownMs: int(0, 2_000),
  json: z.string().default("bench/results/latest.json"),
  label: z.string().default(""),
  /** Start our server with `--cpu-prof` and write the profile to this folder. */
  cpuProf: z.string().optional(),
  /**
   * A second server to run the same scenario against, one after the other, with both in one
   * table. Its CPU and RSS need `comparePid` (unknown for a server we did not start).
   */
  compare: z.string().regex(/^wss?:\/\//, { error: "compare must start with ws:// or wss://" })
    .optional(),
  comparePid: z.coerce.number().int().positive().optional(),
  /** Compare with the runtime's floor (bench/floor_server.ts), started by the bench. */
  floor: z.boolean().default(false),
  /** With a comparison: run both servers this many times, alternating (noise shows). */
  rounds: int(1, 1),
  /** Extra environment for the server we start, as KEY=VALUE. */
  serverEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/)).default([]),
});

export type Scenario = z.infer<typeof ScenarioSchema>;

const FLAGS: Record<string, keyof Scenario> = {
  url: "url",
  rooms: "rooms",
  members: "members",
  duration: "durationS",
  ramp: "rampPerS",
  workers: "workers",
  "state-interval": "stateIntervalMs",
  "player-event-interval": "playerEventIntervalS",
  "ping-interval": "pingIntervalMs",
  "chat-interval": "chatIntervalS",
  drain: "drainMs",
  pid: "pid",
  idle: "idle",
  settle: "settleS",
  instances: "instances",
  "command-cooldown": "commandCooldownMs",
  json: "json",
  label: "label",
  "cpu-prof": "cpuProf",
  compare: "compare",
  "compare-pid": "comparePid",
  rounds: "rounds",
};

export const USAGE = `deno task bench [options]
  --url ws://host:port/ws      target an external server (default: start ours)
  --rooms N                    rooms (200)
  --members N                  members per room, host included (10)
  --duration S                 measured seconds (30)
  --ramp N                     new connections per second (400)
  --workers N                  generator workers (1)
  --state-interval MS          host state_update period (1000)
  --player-event-interval S    host pause/play period (10)
  --ping-interval MS           member ping period (5000)
  --chat-interval S            member chat period, 0 = none (30)
  --drain MS                   wait for late deliveries (2000)
  --pid PID                    server pid for RSS/CPU (automatic for our server)
  --idle N                     idle mode: N connections, memory per connection
  --settle S                   idle mode: also sample RSS for S s after the ramp (0)
  --instances N                N instances of our server on one Redis, members spread (1)
  --json PATH                  results file (bench/results/latest.json)
  --label TEXT                 a name for this run in the results
  --cpu-prof DIR               profile our server with --cpu-prof into DIR
  --server-env KEY=VALUE       environment for our server (repeatable)
  --floor                      also run the runtime's floor (bench/floor_server.ts), one table
  --compare ws://host:port/ws  also run this server, one table (CPU/RSS only with --compare-pid)
  --compare-pid PID            the compared server's pid, for its CPU and RSS
  --rounds N                   with --floor/--compare: alternate the servers N times (1)`;

export function parseScenario(args: string[]): Scenario {
  const options: Record<string, { type: "string"; multiple?: boolean }> = {};
  for (const flag of Object.keys(FLAGS)) options[flag] = { type: "string" };
  options["server-env"] = { type: "string", multiple: true };
  const booleans: Record<string, { type: "boolean" }> = { floor: { type: "boolean" } };
  const { values } = parseArgs({
    args,
    options: { ...options, ...booleans },
    strict: true,
    allowPositionals: false,
  });
  const raw: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAGS)) {
    if (values[flag] !== undefined) raw[key] = values[flag];
  }
  if (values["server-env"] !== undefined) raw.serverEnv = values["server-env"];
  if (values.floor === true) raw.floor = true;
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid options: ${problems.join("; ")}\n\n${USAGE}`);
  }
  return parsed.data;
}
