/**
 * The load generator: `deno task bench` (starts our server) or `--url` (any server that speaks
 * docs/protocol.md). Workers own whole parties; this thread orchestrates the phases (connect, settle,
 * measure, drain), samples the server process, and writes the table and a JSON file.
 */
import { BenchClient } from "./bench_client.ts";
import { startInstances } from "./instances.ts";
import { prepareOutput, resolveOutputPath } from "./output_path.ts";
import { type BenchReport, delivery, renderTable } from "./report.ts";
import { parseScenario, type Scenario, USAGE } from "./scenario.ts";
import {
  cpuPercent,
  type ProcessSample,
  sampleProcess,
  type StartedServer,
  startServer,
} from "./server_process.ts";
import { type IdleFigures, renderComparison, renderIdleComparison, type Row } from "./compare.ts";
import { LatencySamples, summarize, Tally } from "./stats.ts";
import type {
  FromWorker,
  Settled,
  SetupReport,
  ToWorker,
  WorkerResult,
} from "./worker_protocol.ts";

/**
 * After everyone joined, the server's coalesced room_list broadcasts go on for a while (a big
 * server spaces them out); measuring starts once no worker has seen one for this long.
 */
const SETTLE_QUIET_MS = 2_000;
const SETTLE_MAX_MS = 60_000;
const MB = 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class WorkerHandle {
  readonly worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  #next: ((message: FromWorker) => void) | null = null;

  constructor() {
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.#next?.(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.#next?.({ kind: "failed", error: event.message });
    };
  }

  request<T extends FromWorker>(message: ToWorker): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#next = (
        reply,
      ) => (reply.kind === "failed" ? reject(new Error(reply.error)) : resolve(reply as T));
      this.worker.postMessage(message);
    });
  }
}

/** Parties split into contiguous blocks, one block per worker. */
function split(count: number, workers: number): number[][] {
  const blocks: number[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < count; i++) blocks[Math.floor((i * workers) / count)]!.push(i);
  return blocks.filter((block) => block.length > 0);
}

async function runScenario(
  scenario: Scenario,
  url: string,
  pid: number | undefined,
  urls?: readonly string[],
): Promise<BenchReport> {
  const blocks = split(scenario.rooms, scenario.workers);
  const workers = blocks.map(() => new WorkerHandle());
  const rssStart = pid ? await sampleProcess(pid) : null;
  try {
    console.error(
      `connecting ${scenario.rooms * scenario.members} clients at ${scenario.rampPerS}/s…`,
    );
    const setups = await Promise.all(workers.map((w, i) =>
      w.request<SetupReport>({
        kind: "setup",
        url,
        urls,
        scenario,
        parties: blocks[i]!,
        rampPerS: scenario.rampPerS / workers.length,
        seed: i + 1,
      })
    ));
    const settled = await Promise.all(
      workers.map((w) =>
        w.request<Settled>({ kind: "settle", quietMs: SETTLE_QUIET_MS, maxMs: SETTLE_MAX_MS })
      ),
    );
    console.error(
      `room lists settled after ${Math.max(...settled.map((s) => s.waitedMs)).toFixed(0)} ms`,
    );
    const afterConnect = pid ? await sampleProcess(pid) : null;
    console.error(`measuring for ${scenario.durationS} s…`);
    const cpuFrom = pid ? await sampleProcess(pid) : null;
    let peak = afterConnect;
    const sampler = pid
      ? setInterval(async () => {
        const sample = await sampleProcess(pid);
        if (sample && (!peak || sample.rssBytes > peak.rssBytes)) peak = sample;
      }, 500)
      : undefined;
    const measuring = Promise.all(
      workers.map((w) =>
        w.request<WorkerResult>({
          kind: "measure",
          durationMs: scenario.durationS * 1_000,
          drainMs: scenario.drainMs,
        })
      ),
    );
    await sleep(scenario.durationS * 1_000);
    const cpuTo = pid ? await sampleProcess(pid) : null;
    clearInterval(sampler);
    const results = await measuring;
    return buildReport(scenario, url, setups, results, {
      rssStart,
      afterConnect,
      peak,
      cpuFrom,
      cpuTo,
    });
  } finally {
    for (const w of workers) w.worker.terminate();
  }
}

interface ServerSamples {
  readonly rssStart: ProcessSample | null;
  readonly afterConnect: ProcessSample | null;
  readonly peak: ProcessSample | null;
  readonly cpuFrom: ProcessSample | null;
  readonly cpuTo: ProcessSample | null;
}

function buildReport(
  scenario: Scenario,
  url: string,
  setups: SetupReport[],
  results: WorkerResult[],
  server: ServerSamples,
): BenchReport {
  const connect = new LatencySamples();
  const failures = new Tally();
  for (const setup of setups) {
    connect.merge(setup.connectMs);
    failures.merge(setup.failures);
  }
  const merged = (type: keyof WorkerResult["latency"]) => {
    const samples = new LatencySamples();
    for (const result of results) samples.merge(result.latency[type]);
    return samples.toArray();
  };
  const total = (pick: (r: WorkerResult) => Record<string, number>) => {
    const tally = new Tally();
    for (const result of results) tally.merge(pick(result));
    return tally;
  };
  const expected = total((r) => r.expected);
  const received = total((r) => r.received);
  const unexpected = total((r) => r.unexpected);
  const figures = (type: "player_event" | "state_update" | "chat_message" | "pong") =>
    delivery(merged(type), expected.get(type), received.get(type), unexpected.get(type));
  const opened = setups.reduce((n, s) => n + s.opened, 0);
  const framesIn = results.reduce((n, r) => n + r.framesIn, 0);
  const framesOut = results.reduce((n, r) => n + r.framesOut, 0);
  const {
    serverEnv: _e,
    json: _j,
    label: _l,
    cpuProf: _c,
    compare: _m,
    comparePid: _p,
    floor: _f,
    rounds: _r,
    ...shape
  } = scenario;
  const { rssStart, afterConnect, peak, cpuFrom, cpuTo } = server;
  const mb = (sample: ProcessSample | null) => (sample ? sample.rssBytes / MB : null);
  return {
    label: scenario.label,
    date: new Date().toISOString(),
    machine: { cpus: navigator.hardwareConcurrency, os: Deno.build.os, deno: Deno.version.deno },
    target: url,
    scenario: shape,
    connections: {
      attempted: scenario.rooms * scenario.members,
      opened,
      failed: failures.total(),
      failures: failures.counts,
      connectMs: summarize(connect.toArray()),
      openAtEnd: results.reduce((n, r) => n + r.clientsOpenAtEnd, 0),
    },
    fanOut: {
      player_event: figures("player_event"),
      state_update: figures("state_update"),
      chat_message: figures("chat_message"),
    },
    pongRttMs: figures("pong"),
    messagesPerSecond: { in: framesIn / scenario.durationS, out: framesOut / scenario.durationS },
    errors: total((r) => r.errors).counts,
    server: rssStart
      ? {
        rssStartMB: mb(rssStart),
        rssAfterConnectMB: mb(afterConnect),
        rssPeakMB: mb(peak),
        rssPerConnectionKB: afterConnect && opened > 0
          ? (afterConnect.rssBytes - rssStart.rssBytes) / opened / 1024
          : null,
        cpuPercentOfOneCore: cpuFrom && cpuTo ? cpuPercent(cpuFrom, cpuTo) : null,
        cpuSeconds: cpuFrom && cpuTo ? cpuTo.cpuSeconds - cpuFrom.cpuSeconds : null,
        cpuMicrosPerDelivered: cpuFrom && cpuTo && framesOut > 0
          ? ((cpuTo.cpuSeconds - cpuFrom.cpuSeconds) * 1e6) / framesOut
          : null,
      }
      : null,
  };
}

/** Idle mode: N bare connections, no rooms: what one connection costs the server. */
async function runIdle(
  count: number,
  url: string,
  pid: number | undefined,
  rampPerS: number,
  settleS: number,
): Promise<IdleFigures> {
  const before = pid ? await sampleProcess(pid) : null;
  const clients: BenchClient[] = [];
  let failed = 0;
  const started = performance.now();
  let half: ProcessSample | null = null;
  let halfCount = 0;
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1_000) / rampPerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    try {
      clients.push((await BenchClient.connect(url)).client);
    } catch {
      failed++;
    }
    if (i + 1 === Math.ceil(count / 2) && pid) {
      // Halfway, the heap has grown to its working size: the second half's growth is what one
      // more connection costs, without the one-off growth of a fresh process.
      await sleep(2_000);
      half = await sampleProcess(pid);
      halfCount = clients.length;
    }
  }
  await sleep(2_000);
  const after = pid ? await sampleProcess(pid) : null;
  const settled = pid && before && clients.length > 0
    ? await sampleWhileSettling(
      pid,
      settleS,
      (rss) => (rss - before.rssBytes) / clients.length / 1024,
    )
    : null;
  await Promise.all(clients.map((client) => client.close()));
  const perConnection = before && after && clients.length > 0
    ? (after.rssBytes - before.rssBytes) / clients.length / 1024
    : null;
  const figures = {
    mode: "idle" as const,
    connections: clients.length,
    failed,
    rssBeforeMB: before ? before.rssBytes / MB : null,
    rssAfterMB: after ? after.rssBytes / MB : null,
    rssPerIdleConnectionKB: perConnection,
    rssMarginalKB: half && after && clients.length > halfCount
      ? (after.rssBytes - half.rssBytes) / (clients.length - halfCount) / 1024
      : null,
    settledKB: settled,
  };
  console.log(
    `idle connections ${clients.length} (failed ${failed}): RSS ${
      figures.rssBeforeMB?.toFixed(1)
    } → ` +
      `${figures.rssAfterMB?.toFixed(1)} MB, ${
        perConnection?.toFixed(1) ?? "?"
      } KB per idle connection (second half: ${figures.rssMarginalKB?.toFixed(1) ?? "?"} KB each)` +
      (settled
        ? `; settled ${settled.median.toFixed(1)} KB (${settled.min.toFixed(1)}–${
          settled.max.toFixed(1)
        })`
        : ""),
  );
  return figures;
}

/**
 * RSS once a second for `seconds` with the connections held open; the figures (per connection,
 * by `perConnection`) are from the window's second half, after V8 has given back the young
 * generation a ramp grew. Null with no window.
 */
async function sampleWhileSettling(
  pid: number,
  seconds: number,
  perConnection: (rssBytes: number) => number,
): Promise<IdleFigures["settledKB"]> {
  if (seconds <= 0) return null;
  const figures: number[] = [];
  for (let s = 1; s <= seconds; s++) {
    await sleep(1_000);
    const sample = await sampleProcess(pid);
    if (sample && s > seconds / 2) figures.push(perConnection(sample.rssBytes));
  }
  if (figures.length === 0) return null;
  const sorted = figures.toSorted((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
}

/** One server a run measures: ours, the floor, or an external one. */
interface Target {
  readonly name: string;
  readonly url: string;
  /** Unknown for an external server unless given: its CPU and RSS are then "?". */
  readonly pid: number | undefined;
  /** Several instances (--instances): members are spread over these; CPU and RSS are url's. */
  readonly urls?: readonly string[];
}

function runOnce(scenario: Scenario, target: Target) {
  return scenario.idle > 0
    ? runIdle(scenario.idle, target.url, target.pid, scenario.rampPerS, scenario.settleS)
    : runScenario(scenario, target.url, target.pid, target.urls);
}

/**
 * Every target in turn, `rounds` times, alternating (ours, other, ours, other…), so a slow
 * spell of the shared machine does not land on one server only. The servers we start are
 * started afresh for each round: a process that already carried a run has a grown heap to
 * reuse, and its memory figures would not be a new server's.
 */
export async function runTargets(scenario: Scenario) {
  const scenarioRows: Row<BenchReport>[] = [];
  const idleRows: Row<IdleFigures>[] = [];
  const unknownPids = new Set<string>();
  for (let round = 1; round <= scenario.rounds; round++) {
    const { targets, stop } = await startTargets(scenario);
    try {
      for (const target of targets) {
        if (target.pid === undefined) unknownPids.add(target.name);
        console.error(`— ${target.name}${scenario.rounds > 1 ? `, round ${round}` : ""}`);
        const output = await runOnce(scenario, target);
        if ("mode" in output) idleRows.push({ server: target.name, round, figures: output });
        else {
          console.log(renderTable(output));
          scenarioRows.push({ server: target.name, round, figures: output });
        }
      }
    } finally {
      await stop();
    }
  }
  return { scenarioRows, idleRows, unknownPids: [...unknownPids] };
}

/** Starts what the scenario asks for (ours unless --url; the floor with --floor). */
export async function startTargets(scenario: Scenario) {
  const started: StartedServer[] = [];
  const targets: Target[] = [];
  try {
    if (scenario.url) targets.push({ name: scenario.url, url: scenario.url, pid: scenario.pid });
    else if (scenario.instances > 1) {
      const cluster = await startInstances(
        scenario.instances,
        scenario.serverEnv,
        scenario.cpuProf,
      );
      started.push({
        url: cluster.servers[0]!.url,
        pid: cluster.servers[0]!.pid,
        stop: cluster.stop,
      });
      targets.push({
        name: `ours ×${scenario.instances}`,
        url: cluster.servers[0]!.url,
        pid: cluster.servers[0]!.pid,
        urls: cluster.servers.map((server) => server.url),
      });
    } else {
      const ours = await startServer("ours", scenario.serverEnv, scenario.cpuProf);
      started.push(ours);
      targets.push({ name: "ours", url: ours.url, pid: scenario.pid ?? ours.pid });
    }
    if (scenario.floor) {
      const floor = await startServer("floor", []);
      started.push(floor);
      targets.push({ name: "floor", url: floor.url, pid: floor.pid });
    }
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    throw error;
  }
  if (scenario.compare) {
    targets.push({ name: scenario.compare, url: scenario.compare, pid: scenario.comparePid });
  }
  return { targets, stop: () => Promise.all(started.map((server) => server.stop())) };
}

async function main(): Promise<void> {
  let scenario: Scenario;
  try {
    scenario = parseScenario(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  const jsonPath = resolveOutputPath(scenario.json, Deno.cwd());
  try {
    await prepareOutput(jsonPath);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  const { scenarioRows, idleRows, unknownPids } = await runTargets(scenario);
  const single = scenarioRows.length + idleRows.length === 1;
  if (idleRows.length > 0 && !single) console.log(renderIdleComparison(idleRows));
  if (scenarioRows.length > 0 && !single) console.log(renderComparison(scenarioRows));
  if (unknownPids.length > 0) {
    console.log(
      `(no pid for ${unknownPids.join(", ")}: its CPU and RSS are unknown; pass --pid or ` +
        "--compare-pid for a server on this machine)",
    );
  }
  const output = single
    ? (scenarioRows[0]?.figures ?? idleRows[0]?.figures)
    : { runs: [...scenarioRows, ...idleRows] };
  await Deno.writeTextFile(jsonPath, JSON.stringify(output, null, 2) + "\n");
  console.error(`results written to ${jsonPath}`);
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
  } else {
    await main();
  }
}
