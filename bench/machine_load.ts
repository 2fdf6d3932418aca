/**
 * How busy the machine was during a measurement, and with what: the sync benchmark's figures
 * are only worth something on a quiet machine (two cores here), so each profile records the
 * machine's CPU use and how much of it came from processes outside the benchmark's own tree
 * (its Deno, Chromium, the server in-process). Linux only; read through `cat`, because Deno
 * grants /proc reads only with --allow-all (as bench/server_process.ts does).
 */

const TICKS_PER_SECOND = 100;

interface ProcessTicks {
  readonly ppid: number;
  readonly ticks: number;
  readonly name: string;
}

export interface MachineSample {
  readonly atMs: number;
  /** All CPUs, in clock ticks: busy and total since boot. */
  readonly busyTicks: number;
  readonly totalTicks: number;
  readonly load1: number;
  readonly processes: Map<number, ProcessTicks>;
}

export interface MachineLoad {
  /** Share of all CPUs busy, %. */
  readonly busyPercent: number;
  /** CPU used by processes outside the benchmark, % of one core. */
  readonly foreignPercentOfCore: number;
  /** The busiest of those, % of one core each. */
  readonly foreignTop: { name: string; percentOfCore: number }[];
  readonly load1AtEnd: number;
}

async function run(command: string): Promise<string | null> {
  try {
    const output = await new Deno.Command("sh", {
      args: ["-c", command],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout);
  } catch {
    return null;
  }
}

export async function sampleMachine(): Promise<MachineSample | null> {
  const atMs = performance.now();
  const system = await run("cat /proc/stat /proc/loadavg");
  const stats = await run("cat /proc/[0-9]*/stat 2>/dev/null");
  if (!system || stats === null) return null;
  const cpu = /^cpu\s+(.+)$/m.exec(system)?.[1]?.trim().split(/\s+/).map(Number);
  if (!cpu || cpu.length < 4) return null;
  const idle = cpu[3]! + (cpu[4] ?? 0); // idle + iowait
  const totalTicks = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const loadLine = system.split("\n").find((line) => /^\d+\.\d+ \d+\.\d+ \d+\.\d+ /.test(line));
  const load1 = loadLine ? Number(loadLine.split(" ")[0]) : NaN;
  const processes = new Map<number, ProcessTicks>();
  for (const line of stats.split("\n")) {
    const open = line.indexOf("(");
    const close = line.lastIndexOf(")");
    if (open < 0 || close < 0) continue;
    const pid = Number(line.slice(0, open));
    const fields = line.slice(close + 2).split(" ");
    // After the name: state, ppid, ... utime (12th), stime (13th).
    processes.set(pid, {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      name: line.slice(open + 1, close),
    });
  }
  return { atMs, busyTicks: totalTicks - idle, totalTicks, load1, processes };
}

/** What the machine did between two samples; `ownPid`'s process tree is the benchmark. */
export function machineLoad(from: MachineSample, to: MachineSample, ownPid: number): MachineLoad {
  const seconds = (to.atMs - from.atMs) / 1000;
  const own = new Set<number>([ownPid]);
  // Descendants, whatever order the processes were listed in.
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, process] of to.processes) {
      if (!own.has(pid) && own.has(process.ppid)) {
        own.add(pid);
        grew = true;
      }
    }
  }
  const foreign: { name: string; percentOfCore: number }[] = [];
  for (const [pid, process] of to.processes) {
    const before = from.processes.get(pid);
    if (own.has(pid) || !before || seconds <= 0) continue;
    const percentOfCore = ((process.ticks - before.ticks) / TICKS_PER_SECOND / seconds) * 100;
    if (percentOfCore > 0) foreign.push({ name: process.name, percentOfCore });
  }
  foreign.sort((a, b) => b.percentOfCore - a.percentOfCore);
  const total = to.totalTicks - from.totalTicks;
  return {
    busyPercent: total > 0 ? ((to.busyTicks - from.busyTicks) / total) * 100 : NaN,
    foreignPercentOfCore: foreign.reduce((sum, p) => sum + p.percentOfCore, 0),
    foreignTop: foreign.slice(0, 5),
    load1AtEnd: to.load1,
  };
}
