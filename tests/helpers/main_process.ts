/**
 * main.ts as a real process for a test: started on a free loopback port with `env`, its JSON
 * log lines collected, resolved once it listens (rejected if it exits first).
 */

export interface RunningMain {
  readonly child: Deno.ChildProcess;
  readonly port: number;
  /** Every log line so far, stdout and stderr, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Resolves once both output streams ended (the process is gone). */
  readonly finished: Promise<void>;
}

/** `permissions`: what the process may do (default: net, env, read; nothing written). */
export async function startMain(
  env: Record<string, string>,
  permissions: string[] = ["--allow-net", "--allow-env", "--allow-read"],
): Promise<RunningMain> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "main.ts"],
    env: { PORT: "0", HOST: "127.0.0.1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  let announce: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (announce = resolve));
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts.filter(Boolean)) {
        const entry = JSON.parse(line);
        lines.push(entry);
        if (entry.msg === "listening") announce(entry.port);
      }
    }
  };
  const finished = Promise.all([collect(child.stdout), collect(child.stderr)]).then(() => {});
  const port = await Promise.race([
    listening,
    child.status.then((s) => Promise.reject(new Error(`main.ts exited ${s.code}`))),
  ]);
  return { child, port, lines, finished };
}
