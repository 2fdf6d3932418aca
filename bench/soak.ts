/**
 * Cost over time (`deno task soak`): drives `--cycles` room lives through real sockets against a
 * real server of ours, then checks that rooms, connections, lobby and timers are back where
 * they started and that memory did not creep, and writes the curve (RSS, heap and counts
 * sampled over time) to `--json`.
 *
 * One cycle, on one of `--lanes` pairs of sockets: the host creates a room, the guest joins, the
 * guest leaves, the host leaves (the room closes). Every `--handoff-every`th cycle the room has
 * hand-off on and the host hands the role to the guest first (transfer_host), so the room's end
 * goes through a hand-back. Every `--resume-every`th cycle the guest's socket is closed while it
 * is in the room and a new connection takes the session back (resume), so connections churn too.
 */
import { parseArgs } from "node:util";
import { BenchClient } from "./bench_client.ts";
import { prepareOutput, resolveOutputPath } from "./output_path.ts";
import { startServer } from "./server_process.ts";
import { assessSoak, type SoakSample } from "./soak_check.ts";

const USAGE = `deno task soak [options]
  --cycles N          room lives to drive (1000000)
  --lanes N           host+guest socket pairs working at once (128)
  --handoff-every N   every Nth cycle hands the host role over first (4)
  --resume-every N    every Nth cycle the guest reconnects and resumes (10)
  --sample-ms MS      how often /metrics is read for the curve (1000)
  --json PATH         the curve and verdict (bench/results/soak.json)`;

/** Server settings for the soak: every client is 127.0.0.1, and frames come faster than a person's. */
const SERVER_ENV = [
  // info, not warn: the bench learns the port from the "listening" line (two lines a cycle
  // of room logs are the price, as on a real server).
  "LOG_LEVEL=info",
  "RATE_LIMIT_PER_SECOND=100000",
  "ROOM_CREATIONS_PER_MINUTE=100000",
  // Short, so the end of the run can wait for every away session's grace to run out.
  "RESUME_GRACE_MS=10000",
];
/** After the run: how long counts may take to return (grace timers, address budget refills). */
const SETTLE_MAX_MS = 90_000;

interface Lane {
  readonly host: BenchClient;
  guest: BenchClient;
  /** The guest's session id, kept across resumes (a resumed connection takes the old id). */
  readonly guestId: string;
  guestToken: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frames on a socket are handled in order: once its pong is back, what came before is done. */
async function barrier(client: BenchClient): Promise<void> {
  const pong = client.waitFor("pong");
  client.send("ping", {});
  await pong;
}

const errors = new Map<string, number>();
function watchErrors(client: BenchClient): BenchClient {
  client.onFrame = (frame) => {
    if (frame.type !== "error") return;
    const message = String(frame.payload?.message ?? "?");
    errors.set(message, (errors.get(message) ?? 0) + 1);
  };
  return client;
}

async function connect(url: string): Promise<BenchClient> {
  return watchErrors((await BenchClient.connect(url)).client);
}

/** The guest drops and a new connection takes its session back. */
async function reconnect(lane: Lane, url: string): Promise<void> {
  await lane.guest.close();
  const client = await connect(url);
  // The server may not have seen the old socket's close yet ("in use"): ask again shortly.
  for (let attempt = 0;; attempt++) {
    const resumed = client.waitFor("resumed");
    const refused = client.waitFor("error");
    client.send("resume", { token: lane.guestToken });
    const frame = await Promise.race([resumed, refused]);
    resumed.catch(() => {});
    refused.catch(() => {});
    if (frame.type === "resumed") {
      lane.guestToken = frame.payload.resume_token;
      lane.guest = client;
      return;
    }
    if (attempt >= 200) throw new Error(`resume refused: ${frame.payload?.message}`);
    await sleep(10);
  }
}

async function cycle(lane: Lane, n: number, every: Settings, url: string): Promise<void> {
  const handoff = n % every.handoff === 0;
  const { host } = lane;
  const created = host.waitFor("room_state");
  host.send("create_room", { name: `soak-${n}`, handoff });
  const roomId = (await created).room ?? "";
  const joined = lane.guest.waitFor("room_state");
  lane.guest.send("join_room", {}, roomId);
  await joined;
  if (n % every.resume === 0) await reconnect(lane, url);
  if (handoff) {
    const changed = host.waitFor("host_changed");
    host.send("transfer_host", { client_id: lane.guestId }, roomId);
    await changed;
  }
  lane.guest.send("leave_room", {}, roomId);
  await barrier(lane.guest);
  host.send("leave_room", {}, roomId);
  await barrier(host);
}

interface Settings {
  readonly handoff: number;
  readonly resume: number;
}

/** The gauges the soak watches, read from the server's /metrics. */
async function readGauges(metricsUrl: string): Promise<Omit<SoakSample, "t" | "cycles">> {
  const text = await (await fetch(metricsUrl)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
  return {
    rssMB: gauge("owp_resident_memory_bytes") / 2 ** 20,
    heapMB: gauge("owp_heap_used_bytes") / 2 ** 20,
    rooms: gauge("owp_rooms"),
    connections: gauge("owp_connections"),
    lobby: gauge("owp_lobby_connections"),
    timers: gauge("owp_timers"),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      cycles: { type: "string", default: "1000000" },
      lanes: { type: "string", default: "128" },
      "handoff-every": { type: "string", default: "4" },
      "resume-every": { type: "string", default: "10" },
      "sample-ms": { type: "string", default: "1000" },
      json: { type: "string", default: "bench/results/soak.json" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return console.log(USAGE);
  const cycles = Number(values.cycles);
  const lanes = Number(values.lanes);
  const every = {
    handoff: Number(values["handoff-every"]),
    resume: Number(values["resume-every"]),
  };
  const sampleMs = Number(values["sample-ms"]);
  if (![cycles, lanes, every.handoff, every.resume, sampleMs].every((n) => n >= 1)) {
    console.error(`every number must be at least 1\n\n${USAGE}`);
    Deno.exit(2);
  }
  const jsonPath = resolveOutputPath(values.json, Deno.cwd());
  await prepareOutput(jsonPath);

  const server = await startServer("ours", SERVER_ENV);
  const metricsUrl = server.url.replace(/^ws/, "http").replace(/\/ws$/, "/metrics");
  const started = performance.now();
  const samples: SoakSample[] = [];
  let done = 0;
  const sample = async () => {
    const gauges = await readGauges(metricsUrl);
    samples.push({ t: (performance.now() - started) / 1000, cycles: done, ...gauges });
  };
  try {
    await sample();
    const pairs: Lane[] = [];
    for (let i = 0; i < lanes; i++) {
      const host = await connect(server.url);
      const guest = await connect(server.url);
      pairs.push({ host, guest, guestId: guest.id, guestToken: guest.resumeToken });
    }
    console.error(`soak: ${cycles} cycles on ${lanes} lanes against ${server.url}`);
    const sampler = setInterval(() => {
      sample().then(() => {
        const last = samples.at(-1)!;
        console.error(
          `${last.t.toFixed(0).padStart(6)} s ${String(last.cycles).padStart(8)} cycles  ` +
            `RSS ${last.rssMB.toFixed(1)} MB  heap ${last.heapMB.toFixed(1)} MB  rooms ` +
            `${last.rooms}  connections ${last.connections}  timers ${last.timers}`,
        );
      }).catch(() => {});
    }, sampleMs);
    let claimed = 0;
    await Promise.all(pairs.map(async (lane) => {
      while (claimed < cycles) {
        const n = ++claimed;
        await cycle(lane, n, every, server.url);
        done++;
      }
    }));
    clearInterval(sampler);
    const runS = (performance.now() - started) / 1000;
    await sample();
    for (const lane of pairs) await Promise.all([lane.host.close(), lane.guest.close()]);
    // Back to the start: no room, no connection, no timer more than before; then memory.
    const begin = samples[0]!;
    const settleStart = performance.now();
    while (performance.now() - settleStart < SETTLE_MAX_MS) {
      await sample();
      const now = samples.at(-1)!;
      if (now.rooms === 0 && now.connections === 0 && now.timers <= begin.timers) break;
      await sleep(500);
    }
    const verdict = assessSoak(samples, cycles);
    const report = {
      date: new Date().toISOString(),
      cycles,
      lanes,
      every,
      runSeconds: runS,
      cyclesPerSecond: cycles / runS,
      errors: Object.fromEntries(errors),
      verdict,
      samples,
    };
    await Deno.writeTextFile(jsonPath, JSON.stringify(report, null, 2) + "\n");
    console.log(
      `soak: ${cycles} cycles in ${runS.toFixed(0)} s (${(cycles / runS).toFixed(0)}/s), ` +
        `errors ${errors.size === 0 ? "none" : JSON.stringify(Object.fromEntries(errors))}`,
    );
    for (const line of verdict.lines) console.log(line);
    console.log(`curve written to ${jsonPath}`);
    if (!verdict.ok || errors.size > 0) Deno.exitCode = 1;
  } finally {
    await server.stop();
  }
}

if (import.meta.main) await main();
