/**
 * The sync benchmark: `deno task sync-bench`. N Chromium pages (a host and N − 1 members) in
 * one room on the real server, each page through its own delay proxy, play a scripted session:
 * a play, a pause, seeks while paused and while playing, repeated plays, and a steady phase.
 * A probe in every page samples the <video> on the machine clock all pages share
 * (bench/sync_probe.ts); at the end the samples are read at common instants
 * (bench/sync_analysis.ts) into the figures bench/README.md defines: start spread, steady
 * drift, time to converge after a seek, and clock-offset error. Prints a table, writes JSON.
 */
import type { Page } from "playwright-core";
import { SystemClock } from "../rooms/clock.ts";
import {
  type DelayProfile,
  type DelayProxy,
  startDelayProxy,
} from "../tools/browser/delay_proxy.ts";
import { type BrowserHarness, startHarness } from "../tools/browser/harness.ts";
import {
  type PageGlobals,
  type PageKind,
  waitForEveryoneReady,
  WatchPages,
} from "../tools/browser/watch_page.ts";
import { type MachineLoad, machineLoad, sampleMachine } from "./machine_load.ts";
import { prepareOutput, resolveOutputPath } from "./output_path.ts";
import {
  convergenceMs,
  offsetsAt,
  offsetsOver,
  type Series,
  seriesOf,
  spreadAt,
} from "./sync_analysis.ts";
import { installProbe, type ProbeData } from "./sync_probe.ts";
import { type LatencySummary, summarize } from "./stats.ts";

export const USAGE = `deno task sync-bench [options]

  --pages N        pages in the room, host included (default 4)
  --steady S       seconds of the steady phase (default 60)
  --profiles LIST  network profiles, comma-separated: loopback, near, far (default all three)
  --page KIND      test (the harness's page: client + <video>, default) or real (web/index.html)
  --seed N         seeds the proxies' jitter (default 1)
  --json PATH      where to write the results (default bench/results/sync-latest.json)
  --raw PATH       also write every page's raw samples, frames, events and wire records
  --label TEXT     a name for the run
  --help`;

export interface NetworkProfile {
  readonly name: string;
  readonly label: string;
  /** null: the pages connect to the server directly. */
  readonly delay: DelayProfile | null;
}

export const PROFILES: Record<string, NetworkProfile> = {
  loopback: { name: "loopback", label: "loopback (no delay)", delay: null },
  near: {
    name: "near",
    label: "20 ms ± 5 both ways",
    delay: { up: { delayMs: 20, jitterMs: 5 }, down: { delayMs: 20, jitterMs: 5 } },
  },
  far: {
    name: "far",
    label: "80 ms ± 30 asymmetric (100 ± 30 up, 60 ± 30 down)",
    delay: { up: { delayMs: 100, jitterMs: 30 }, down: { delayMs: 60, jitterMs: 30 } },
  },
};

export interface BenchOptions {
  readonly pages: number;
  readonly steadyS: number;
  readonly profiles: NetworkProfile[];
  readonly page: PageKind;
  readonly seed: number;
  readonly json: string;
  readonly raw: string | null;
  readonly label: string;
}

export function parseOptions(args: string[]): BenchOptions | "help" {
  const options = {
    pages: 4,
    steadyS: 60,
    profiles: Object.values(PROFILES),
    page: "test" as PageKind,
    seed: 1,
    json: "bench/results/sync-latest.json",
    raw: null as string | null,
    label: "",
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    const count = (min: number) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) {
        throw new Error(`${flag} must be a whole number ≥ ${min}`);
      }
      return n;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--pages":
        options.pages = count(2);
        break;
      case "--steady":
        options.steadyS = count(5);
        break;
      case "--profiles":
        options.profiles = value().split(",").map((name) => {
          const profile = PROFILES[name.trim()];
          if (!profile) throw new Error(`unknown profile ${name}: ${Object.keys(PROFILES)}`);
          return profile;
        });
        break;
      case "--page": {
        const kind = value();
        if (kind !== "test" && kind !== "real") throw new Error("--page is test or real");
        options.page = kind;
        break;
      }
      case "--seed":
        options.seed = count(0);
        break;
      case "--json":
        options.json = value();
        break;
      case "--raw":
        options.raw = value();
        break;
      case "--label":
        options.label = value();
        break;
      default:
        throw new Error(`unknown option ${flag}\n\n${USAGE}`);
    }
  }
  return options;
}

// --- the session ---

type HostAction = "play" | "pause" | number;

/** What the host does, and how long the session then runs before its next action. */
function script(steadyS: number): { action: HostAction; thenMs: number; steady?: true }[] {
  return [
    { action: "play", thenMs: 6_000 },
    { action: "pause", thenMs: 2_500 },
    { action: 10, thenMs: 2_500 }, // seek while paused
    { action: "play", thenMs: 5_000 },
    { action: 25, thenMs: 4_000 }, // seeks while playing
    { action: 5, thenMs: 4_000 },
    { action: 18, thenMs: 4_000 },
    { action: 30, thenMs: 4_000 },
    { action: "pause", thenMs: 2_500 }, // repeated plays
    { action: "play", thenMs: 4_000 },
    { action: "pause", thenMs: 2_500 },
    { action: "play", thenMs: 4_000 },
    { action: "pause", thenMs: 2_500 },
    { action: 2, thenMs: 2_500 },
    { action: "play", thenMs: steadyS * 1_000 + 3_000, steady: true },
    { action: "pause", thenMs: 2_000 },
  ];
}

/** Seconds of video the script needs (its furthest position, with room to spare). */
export function videoSecondsFor(steadyS: number): number {
  return Math.max(60, steadyS + 20);
}

function hostDoes(host: Page, action: HostAction): Promise<void> {
  return host.evaluate(async (what) => {
    const video = (globalThis as unknown as PageGlobals).owp!.video;
    if (what === "play") await video.play();
    else if (what === "pause") video.pause();
    else video.currentTime = what;
  }, action);
}

const machineNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server clock's exact anchor: SystemClock.now() is floor(anchor + performance.now()), so
 * every reading bounds the anchor to a 1 ms interval; many readings narrow it to microseconds.
 */
function anchorOf(clock: SystemClock): number {
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  const until = performance.now() + 30;
  while (performance.now() < until) {
    const before = performance.now();
    const reading = clock.now();
    const after = performance.now();
    lo = Math.max(lo, reading - after);
    hi = Math.min(hi, reading + 1 - before);
  }
  return (lo + hi) / 2;
}

/**
 * The truth a page's clock estimate aims at: server time minus the page's clock, measured
 * over the DevTools connection (the round trip with the least time wins, as in NTP).
 */
async function measureTruth(
  page: Page,
  anchor: number,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 25; i++) {
    const before = performance.now();
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = performance.now();
    if (after - before < best.rttMs) {
      best = { offsetMs: anchor + (before + after) / 2 - pageNow, rttMs: after - before };
    }
  }
  return best;
}

// --- figures ---

export interface CommandFigures {
  readonly action: string;
  readonly playState: string;
  /** Target instant on the machine clock, ms, relative to the first command. */
  readonly targetMs: number;
  /** Spread of all pages 500 ms after the target, ms. */
  readonly spreadMs: number | null;
  /** Each member minus the host 500 ms after the target, ms. */
  readonly offsetsMs: number[] | null;
  /** From the target until every member is within 20 ms of the host for 1 s (null: never). */
  readonly convergeMs: number | null;
  /** From the host's action to the target, ms (the schedule and the uplink). */
  readonly leadMs: number | null;
}

export interface ProfileResult {
  readonly profile: NetworkProfile;
  /** Everything the probes saw, for --raw (not in the summary JSON). */
  readonly raw?: { probes: ProbeData[]; actions: unknown[]; truths: unknown[] };
  readonly pages: number;
  readonly figures: {
    readonly startSpreadMs: LatencySummary;
    readonly pausedSpreadMs: LatencySummary;
    readonly steadyDriftMs: LatencySummary;
    readonly seekConvergeMs: LatencySummary & { readonly notConverged: number };
    readonly playConvergeMs: LatencySummary & { readonly notConverged: number };
    readonly clockErrorMs: LatencySummary;
    readonly clockErrorVsZeroMs: LatencySummary;
  };
  readonly commands: CommandFigures[];
  readonly members: {
    readonly steadyMeanMs: number;
    readonly steadyP95Ms: number;
    readonly rateChangedShare: number;
    readonly seeksInSteady: number;
    readonly waitingEvents: number;
    readonly startLatencyMs: number;
  }[];
  readonly clockTruths: { readonly offsetMs: number; readonly rttMs: number }[];
  readonly meanClockErrorMs: number[];
  /** How busy the machine was while the session ran (null: not Linux). */
  readonly machine?: MachineLoad | null;
}

const START_SPREAD_AFTER_MS = 500;
const CONVERGE = { withinMs: 20, holdMs: 1_000, stepMs: 10 };
const STEADY_STEP_MS = 100;
/** The steady phase is measured from this long after its play's target. */
const STEADY_SETTLE_MS = 3_000;

function summaryOf(values: number[]): LatencySummary {
  return summarize(Float64Array.from(values));
}

function withMisses(values: (number | null)[]): LatencySummary & { notConverged: number } {
  const converged = values.filter((v): v is number => v !== null);
  return { ...summaryOf(converged), notConverged: values.length - converged.length };
}

export function analyse(
  profile: NetworkProfile,
  probes: ProbeData[],
  actions: { action: HostAction; atMs: number; steady?: true }[],
  truths: { offsetMs: number; rttMs: number }[],
  measureFromMs: number,
): ProfileResult {
  const series: Series[] = probes.map((probe) => seriesOf(probe.samples));
  const [host, ...members] = series as [Series, ...Series[]];
  // Every member hears every command; the first member's record is the list.
  const wire = probes[1]!.wire;
  const truth = truths[1]!.offsetMs;
  const commands = wire.map((w) => ({ ...w, targetMs: w.targetServerTs - truth }));
  const actionAfter = (ms: number) => actions.find((a) => a.atMs > ms)?.atMs ?? Infinity;
  const actionBefore = (ms: number) => actions.filter((a) => a.atMs <= ms).at(-1)?.atMs ?? null;
  const origin = commands[0]?.targetMs ?? 0;

  const figures: CommandFigures[] = commands.map((command) => {
    const at = command.targetMs + START_SPREAD_AFTER_MS;
    const end = Math.min(actionAfter(command.targetMs) - 50, command.targetMs + 10_000);
    const moving = command.playState === "playing" &&
      (command.action === "play" || command.action === "seek");
    const hostActed = actionBefore(command.targetMs);
    return {
      action: command.action,
      playState: command.playState,
      targetMs: command.targetMs - origin,
      spreadMs: spreadAt(series, at),
      offsetsMs: offsetsAt(host, members, at),
      convergeMs: moving ? convergenceMs(host, members, command.targetMs, end, CONVERGE) : null,
      leadMs: hostActed === null ? null : command.targetMs - hostActed,
    };
  });
  const isMoving = (f: CommandFigures) =>
    f.playState === "playing" && (f.action === "play" || f.action === "seek");
  const startSpreads = figures.filter(isMoving).map((f) => f.spreadMs).filter((v) => v !== null);
  const pausedSpreads = figures.filter((f) => !isMoving(f)).map((f) => f.spreadMs).filter((v) =>
    v !== null
  );

  // The steady phase: from its play's target (+ settling) to the next action.
  const steadyAction = actions.find((a) => a.steady)!;
  const steadyPlay = commands.find((c) => c.action === "play" && c.targetMs > steadyAction.atMs);
  const steadyFrom = (steadyPlay?.targetMs ?? steadyAction.atMs) + STEADY_SETTLE_MS;
  const steadyTo = actionAfter(steadyAction.atMs) - 100;
  const steady = offsetsOver(host, members, steadyFrom, steadyTo, STEADY_STEP_MS);

  const inSteady = (ms: number) => ms >= steadyFrom && ms <= steadyTo;
  const memberFigures = members.map((member, i) => {
    const probe = probes[i + 1]!;
    const offsets = steady[i]!;
    let rateSamples = 0;
    let rateChanged = 0;
    for (let k = 0; k < member.atMs.length; k++) {
      if (!inSteady(member.atMs[k]!)) continue;
      rateSamples++;
      if (member.rate[k] !== 1) rateChanged++;
    }
    return {
      steadyMeanMs: offsets.reduce((a, b) => a + b, 0) / Math.max(1, offsets.length),
      steadyP95Ms: summaryOf(offsets.map(Math.abs)).p95,
      rateChangedShare: rateSamples === 0 ? 0 : rateChanged / rateSamples,
      seeksInSteady: probe.events.filter((e) => e.type === "seeking" && inSteady(e.atMs)).length,
      waitingEvents: probe.events.filter((e) => e.type === "waiting").length,
      startLatencyMs: probe.clock.at(-1)?.startLatencyMs ?? NaN,
    };
  });

  const clockErrors: number[] = [];
  const clockVsZero: number[] = [];
  const meanClockErrorMs = probes.map((probe, i) => {
    const errors = probe.clock
      .filter((c) => c.atMs >= measureFromMs && c.offsetMs !== null)
      .map((c) => c.offsetMs! - truths[i]!.offsetMs);
    clockErrors.push(...errors.map(Math.abs));
    clockVsZero.push(
      ...probe.clock.filter((c) => c.atMs >= measureFromMs && c.offsetMs !== null).map((c) =>
        Math.abs(c.offsetMs!)
      ),
    );
    return errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length);
  });

  return {
    profile,
    pages: probes.length,
    figures: {
      startSpreadMs: summaryOf(startSpreads),
      pausedSpreadMs: summaryOf(pausedSpreads),
      steadyDriftMs: summaryOf(steady.flat().map(Math.abs)),
      seekConvergeMs: withMisses(
        figures.filter((f) => isMoving(f) && f.action === "seek").map((f) => f.convergeMs),
      ),
      playConvergeMs: withMisses(
        figures.filter((f) => isMoving(f) && f.action === "play").map((f) => f.convergeMs),
      ),
      clockErrorMs: summaryOf(clockErrors),
      clockErrorVsZeroMs: summaryOf(clockVsZero),
    },
    commands: figures,
    members: memberFigures,
    clockTruths: truths,
    meanClockErrorMs,
  };
}

// --- a run ---

async function runProfile(
  harness: BrowserHarness,
  anchor: number,
  profile: NetworkProfile,
  options: BenchOptions,
): Promise<ProfileResult> {
  const proxies: (DelayProxy | null)[] = Array.from(
    { length: options.pages },
    (_, i) =>
      profile.delay
        ? startDelayProxy({
          target: harness.wsUrl,
          profile: profile.delay,
          seed: options.seed * 100 + i,
        })
        : null,
  );
  const pages: Page[] = [];
  try {
    const watch = new WatchPages(harness, options.page);
    const beforeLoad = (page: Page) =>
      page.addInitScript(installProbe, { intervalMs: 20, clockEveryMs: 500 });
    const ws = (i: number) => proxies[i]?.url;
    pages.push(await watch.open({ name: "host", ws: ws(0), beforeLoad }));
    const roomId = await watch.createRoom(pages[0]!, `Sync bench (${profile.name})`);
    for (let i = 1; i < options.pages; i++) {
      pages.push(await watch.open({ name: `member ${i}`, ws: ws(i), room: roomId, beforeLoad }));
    }
    await waitForEveryoneReady(harness, roomId, options.pages, 60_000);
    // Clocks warm up (8 pings 150 ms apart) and the players buffer.
    await sleep(3_000);
    const truths = [];
    for (const page of pages) truths.push(await measureTruth(page, anchor));
    const measureFromMs = machineNow();

    const actions: { action: HostAction; atMs: number; steady?: true }[] = [];
    const machineFrom = await sampleMachine();
    const steps = script(options.steadyS);
    for (const [n, step] of steps.entries()) {
      const what = typeof step.action === "number" ? `seek to ${step.action} s` : step.action;
      console.error(`  ${profile.name}: ${n + 1}/${steps.length} ${what}`);
      actions.push({ action: step.action, atMs: machineNow(), steady: step.steady });
      await hostDoes(pages[0]!, step.action);
      await sleep(step.thenMs);
    }
    const machineTo = await sampleMachine();
    const machine = machineFrom && machineTo ? machineLoad(machineFrom, machineTo, Deno.pid) : null;
    const probes = await Promise.all(
      pages.map((page) =>
        page.evaluate(() => (globalThis as unknown as { __owpProbe: ProbeData }).__owpProbe)
      ),
    );
    const result = { ...analyse(profile, probes, actions, truths, measureFromMs), machine };
    return options.raw ? { ...result, raw: { probes, actions, truths } } : result;
  } finally {
    await Promise.all(pages.map((page) => page.context().close().catch(() => {})));
    await Promise.all(proxies.map((proxy) => proxy?.close()));
  }
}

// --- report ---

export interface Target {
  readonly what: string;
  readonly profile: string;
  readonly limit: number;
  readonly value: (result: ProfileResult) => number;
}

export const TARGETS: Target[] = [
  {
    what: "start spread p95 ≤ 20 ms",
    profile: "loopback",
    limit: 20,
    value: (r) => r.figures.startSpreadMs.p95,
  },
  {
    what: "start spread p95 ≤ 40 ms",
    profile: "far",
    limit: 40,
    value: (r) => r.figures.startSpreadMs.p95,
  },
  ...["loopback", "near", "far"].map((profile) => ({
    what: "steady drift p95 ≤ 40 ms",
    profile,
    limit: 40,
    value: (r: ProfileResult) => r.figures.steadyDriftMs.p95,
  })),
  ...["loopback", "near", "far"].map((profile) => ({
    what: "converged within 2 s of every seek",
    profile,
    limit: 2_000,
    value: (r: ProfileResult) =>
      r.figures.seekConvergeMs.notConverged > 0 ? Infinity : r.figures.seekConvergeMs.max,
  })),
  {
    what: "clock-offset error p95 ≤ 10 ms",
    profile: "near",
    limit: 10,
    value: (r) => r.figures.clockErrorMs.p95,
  },
];

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "—");
const triple = (s: LatencySummary) =>
  s.count === 0 ? "—" : `${f1(s.p50)} / ${f1(s.p95)} / ${f1(s.max)}`;

export function renderTable(results: ProfileResult[], header: string): string {
  const lines = [header, ""];
  const columns = [
    ["profile", 10],
    ["start spread", 22],
    ["steady drift", 22],
    ["seek → converged", 26],
    ["clock error", 20],
    ["clock vs 0", 20],
  ] as const;
  lines.push(columns.map(([name, width]) => name.padEnd(width)).join(""));
  lines.push(
    columns.map(([, width], i) => (i === 0 ? "" : "p50 / p95 / max ms").padEnd(width)).join(""),
  );
  for (const r of results) {
    const converge = r.figures.seekConvergeMs;
    lines.push(
      [
        r.profile.name,
        triple(r.figures.startSpreadMs),
        triple(r.figures.steadyDriftMs),
        triple(converge) + (converge.notConverged ? ` (${converge.notConverged} never)` : ""),
        triple(r.figures.clockErrorMs),
        triple(r.figures.clockErrorVsZeroMs),
      ].map((cell, i) => cell.padEnd(columns[i]![1])).join(""),
    );
  }
  lines.push("");
  for (const r of results) {
    const m = r.machine;
    if (!m) continue;
    const top = m.foreignTop.slice(0, 3).map((p) => `${p.name} ${p.percentOfCore.toFixed(0)}%`);
    lines.push(
      `machine during ${r.profile.name}: ${m.busyPercent.toFixed(0)}% of all CPUs busy; ` +
        `outside the benchmark ${m.foreignPercentOfCore.toFixed(0)}% of one core` +
        (top.length ? ` (${top.join(", ")})` : ""),
    );
  }
  lines.push("", "targets");
  for (const target of TARGETS) {
    const result = results.find((r) => r.profile.name === target.profile);
    if (!result) continue;
    const value = target.value(result);
    const verdict = value <= target.limit ? "met" : "MISSED";
    lines.push(`  ${verdict.padEnd(7)} ${target.what} (${target.profile}): ${f1(value)} ms`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const output = resolveOutputPath(options.json, Deno.cwd());
  await prepareOutput(output);
  const clock = new SystemClock();
  console.error(`building the page, making the video, starting Chromium…`);
  const harness = await startHarness({ clock, videoDurationS: videoSecondsFor(options.steadyS) });
  const results: ProfileResult[] = [];
  let chromium = "";
  try {
    chromium = harness.browser.version();
    const anchor = anchorOf(clock);
    for (const profile of options.profiles) {
      console.error(`profile ${profile.label}: ${options.pages} pages`);
      results.push(await runProfile(harness, anchor, profile, options));
    }
  } finally {
    await harness.close();
  }
  const header = `OpenWatchParty sync benchmark${options.label ? ` — ${options.label}` : ""}\n` +
    `${options.pages} pages (${options.page} page), steady ${options.steadyS} s, ` +
    `${navigator.hardwareConcurrency} CPUs, Chromium ${chromium}`;
  console.log(renderTable(results, header));
  const report = {
    label: options.label,
    date: new Date().toISOString(),
    machine: {
      cpus: navigator.hardwareConcurrency,
      os: Deno.build.os,
      deno: Deno.version.deno,
      chromium,
    },
    options: { ...options, profiles: options.profiles.map((p) => p.name) },
    definitions: {
      startSpreadAfterMs: START_SPREAD_AFTER_MS,
      converge: CONVERGE,
      steadyStepMs: STEADY_STEP_MS,
      steadySettleMs: STEADY_SETTLE_MS,
    },
    results,
    targets: TARGETS.map((t) => {
      const result = results.find((r) => r.profile.name === t.profile);
      const value = result ? t.value(result) : null;
      return {
        what: t.what,
        profile: t.profile,
        limit: t.limit,
        value,
        met: value !== null && value <= t.limit,
      };
    }),
  };
  if (options.raw) {
    const rawPath = resolveOutputPath(options.raw, Deno.cwd());
    await prepareOutput(rawPath);
    await Deno.writeTextFile(
      rawPath,
      JSON.stringify(results.map((r) => ({ profile: r.profile.name, ...r.raw }))),
    );
    console.error(`raw samples written to ${rawPath}`);
  }
  const summaryOnly = results.map(({ raw: _raw, ...rest }) => rest);
  await Deno.writeTextFile(
    output,
    JSON.stringify({ ...report, results: summaryOnly }, null, 2) + "\n",
  );
  console.error(`results written to ${output}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
