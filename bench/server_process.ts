/**
 * The servers `deno task bench` starts as child processes (ours, and the runtime's floor for
 * `--floor` / `bench:check`), and the process figures the report wants (RSS and CPU time), read
 * from /proc for any server pid.
 */
const ROOT = new URL("../", import.meta.url);

export interface StartedServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Which server to start: its entry file and the permissions it needs. */
export type ServerKind = "ours" | "floor";

const ENTRY: Record<ServerKind, readonly string[]> = {
  ours: ["--allow-net", "--allow-env", "--allow-read", "main.ts"],
  floor: ["--allow-net", "--allow-env", "bench/floor_server.ts"],
};

export function startOurServer(env: readonly string[], cpuProfDir?: string) {
  return startServer("ours", env, cpuProfDir);
}

export async function startServer(
  kind: ServerKind,
  env: readonly string[],
  cpuProfDir?: string,
): Promise<StartedServer> {
  const profile = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  const [entry, ...permissions] = [ENTRY[kind].at(-1)!, ...ENTRY[kind].slice(0, -1)];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, ...profile, entry],
    cwd: ROOT,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      // Every simulated client comes from 127.0.0.1: the per-address limits, which protect a
      // real server from one machine, would stop the generator. --server-env overrides these.
      MAX_CONNECTIONS: "1000000",
      MAX_CONNECTIONS_PER_IP: "1000000",
      ROOM_CREATIONS_PER_MINUTE: "100000",
      ...Object.fromEntries(
        env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      ),
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let announce: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (announce = resolve));
  // Keep reading both pipes for the whole run, or the server blocks on a full pipe.
  const drain = async (stream: ReadableStream<Uint8Array>, echo: boolean) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.includes('"msg":"listening"')) announce(JSON.parse(line).port);
        if (echo) console.error(`[server] ${line}`);
      }
    }
  };
  const drained = Promise.all([drain(child.stdout, false), drain(child.stderr, true)]);
  const port = await Promise.race([
    listening,
    child.status.then((status) => Promise.reject(new Error(`server exited with ${status.code}`))),
  ]);
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

export interface ProcessSample {
  /** Resident memory, bytes. */
  readonly rssBytes: number;
  /** User + system CPU time so far, seconds. */
  readonly cpuSeconds: number;
  readonly at: number;
}

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/**
 * Reads /proc/<pid>/stat and /status. Through `cat`, because Deno grants /proc/<pid> reads
 * only with --allow-all, and the bench already may run processes (it starts the server).
 */
export async function sampleProcess(pid: number): Promise<ProcessSample | null> {
  try {
    const at = performance.now();
    const { success, stdout } = await new Deno.Command("cat", {
      args: [`/proc/${pid}/stat`, `/proc/${pid}/status`],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return null;
    const [stat = "", status = ""] = new TextDecoder().decode(stdout).split(/\n(?=Name:)/);
    // Fields after the ")" that closes the command name: utime and stime are 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return { rssBytes: rssKb * 1024, cpuSeconds, at };
  } catch {
    return null; // not Linux, or no such process
  }
}

/** Average CPU use between two samples, in % of one core. */
export function cpuPercent(from: ProcessSample, to: ProcessSample): number {
  const seconds = (to.at - from.at) / 1_000;
  return seconds > 0 ? ((to.cpuSeconds - from.cpuSeconds) / seconds) * 100 : 0;
}
