/**
 * The Docker image, rehearsed without a Docker engine (CI has none): every stage of the
 * Dockerfile is laid out in its own empty folder with exactly the files its COPY lines name
 * (the build context filtered by .dockerignore, or an earlier stage's folder for --from), its
 * RUN lines run there as written, each stage with a DENO_DIR of its own, so the runtime stage
 * has only what its own install fetched (file ownership is not rehearsed: there are no image
 * users here, and `chown` is a no-op). Then the last stage's CMD starts the server, with
 * `--deny-write` added unless it may write its DATA_DIR and nothing else, and the rehearsal
 * checks /health, / (the built page), a WebSocket room round trip, the HEALTHCHECK command, the
 * runtime's npm packages (only those main.ts's graph reaches: none that tests, benches or the
 * page build use), a SIGTERM with 100 open sockets (every one closed 1001, or 1012 when rooms
 * are kept; exit 0; how long it took), and, with kept rooms, that the room is back after the
 * restart and its host's resume token takes it back.
 *
 *   deno run -A tools/image/rehearse.ts [--keep]
 *
 * Exits 1 with the reason on the first thing that differs from a working image.
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dockerIgnore, parseDockerfile, type Stage } from "./dockerfile.ts";
import { type Graph, reachedPackages } from "./server_lock.ts";

const PROJECT = fileURLToPath(new URL("../../", import.meta.url));
/** Sockets held open across the SIGTERM (the figure docs/deployment.md quotes). */
const OPEN_SOCKETS_AT_SHUTDOWN = 100;
/** The longest a start or a stop may take before the rehearsal calls it broken. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

class RehearsalError extends Error {}
const fail = (message: string): never => {
  throw new RehearsalError(message);
};

interface LaidStage {
  readonly stage: Stage;
  readonly root: string;
  readonly denoDir: string;
  workdir: string;
}

async function exists(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function copyTree(
  from: string,
  to: string,
  skip: (source: string) => boolean,
): Promise<void> {
  const info = await Deno.stat(from);
  if (skip(from)) return;
  if (info.isDirectory) {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      await copyTree(join(from, entry.name), join(to, entry.name), skip);
    }
  } else {
    await Deno.mkdir(dirname(to), { recursive: true });
    await Deno.copyFile(from, to);
    await Deno.chmod(to, info.mode ?? 0o644);
  }
}

/**
 * The machine's network set-up (proxies, extra CA certificates, a registry mirror) passes
 * through to every RUN line: the image's base has its own, a fresh folder here has none.
 */
const NETWORK_ENV = /(proxy|cert|_ca|ssl|^deno_tls|^npm_config_registry$)/i;

function networkEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => NETWORK_ENV.test(name)),
  );
}

function stageEnv(
  laid: LaidStage,
  path = Deno.env.get("PATH") ?? "/usr/bin:/bin",
): Record<string, string> {
  return {
    ...networkEnv(),
    PATH: path,
    HOME: laid.root,
    NO_COLOR: "1",
    ...laid.stage.env,
    DENO_DIR: laid.denoDir,
  };
}

async function layStage(stage: Stage, index: number, work: string, earlier: LaidStage[]) {
  const root = join(work, `stage-${index}${stage.name ? `-${stage.name}` : ""}`);
  const laid: LaidStage = { stage, root, denoDir: join(root, "deno-dir"), workdir: root };
  await Deno.mkdir(laid.denoDir, { recursive: true });
  const ignoredText = await Deno.readTextFile(join(PROJECT, ".dockerignore")).catch(() => "");
  const ignored = dockerIgnore(ignoredText);
  const inContext = (path: string) => path.slice(PROJECT.length).replace(/^\/+/, "");
  const inStage = (
    path: string,
  ) => (path.startsWith("/") ? join(root, path) : join(laid.workdir, path));
  console.log(`::: stage ${index}${stage.name ? ` (${stage.name})` : ""} from ${stage.base}`);
  for (const step of stage.steps) {
    if (step.kind === "workdir") {
      laid.workdir = inStage(step.path);
      await Deno.mkdir(laid.workdir, { recursive: true });
    } else if (step.kind === "copy") {
      const source = step.from === undefined
        ? null
        : earlier.find((s) => s.stage.name === step.from);
      if (step.from !== undefined && !source) {
        fail(`COPY --from=${step.from}: no such stage before`);
      }
      const intoFolder = step.destination.endsWith("/") || step.sources.length > 1;
      for (const name of step.sources) {
        const from = source ? join(source.root, name) : resolve(PROJECT, name);
        const info = await exists(from);
        if (!info || (!source && ignored(inContext(from)))) {
          fail(`COPY ${name}: not in the ${source ? `stage ${step.from}` : "build context"}`);
        }
        const target = intoFolder && !info!.isDirectory
          ? join(inStage(step.destination), basename(from))
          : inStage(step.destination);
        await copyTree(from, target, (path) => !source && ignored(inContext(path)));
      }
      console.log(
        `COPY ${step.from ? `--from=${step.from} ` : ""}${
          step.sources.join(" ")
        } ${step.destination}`,
      );
    } else {
      console.log(`RUN ${step.command}`);
      const path = `${await shims(work)}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
      const status = await new Deno.Command("sh", {
        args: ["-c", step.command],
        cwd: laid.workdir,
        env: stageEnv(laid, path),
        clearEnv: true,
      }).spawn().status;
      if (!status.success) fail(`RUN ${step.command}: exit ${status.code}`);
    }
  }
  return laid;
}

/** A folder of stand-ins for what cannot be rehearsed without the image's users (chown). */
async function shims(work: string): Promise<string> {
  const dir = join(work, "shims");
  const chown = join(dir, "chown");
  if (!(await exists(chown))) {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(chown, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  }
  return dir;
}

/**
 * The CMD's flags as the rehearsal runs them: a CMD that may write is refused unless the one
 * place it may write is the image's DATA_DIR (its kept rooms); one that may not gets
 * `--deny-write`, so a write anywhere fails the rehearsal.
 */
function runtimeArgs(laid: LaidStage, cmd: string[]): string[] {
  const writes = cmd.filter((arg) => arg.startsWith("--allow-write") || arg === "-A");
  if (writes.length === 0) return ["run", "--deny-write", ...cmd.slice(1)];
  const dataDir = laid.stage.env.DATA_DIR;
  const allowed = writes.map((arg) => arg.split("=")[1] ?? "");
  const same = (a: string, b: string) => resolve(laid.workdir, a) === resolve(laid.workdir, b);
  if (!dataDir || allowed.some((path) => !path || !same(path, dataDir))) {
    fail(
      `CMD may write ${allowed.join(", ") || "anywhere"}: only DATA_DIR (${dataDir}) is allowed`,
    );
  }
  return cmd;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

interface Server {
  readonly child: Deno.ChildProcess;
  readonly base: string;
  readonly output: string[];
}

async function startRuntime(laid: LaidStage): Promise<Server> {
  const cmd = laid.stage.cmd ?? fail("the last stage has no CMD");
  if (cmd[0] !== "run") fail(`CMD must start with "run" (the image's entrypoint is deno): ${cmd}`);
  const args = runtimeArgs(laid, cmd);
  const port = freePort();
  console.log(`::: start: deno ${args.join(" ")} (PORT=${port})`);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: laid.workdir,
    env: {
      ...stageEnv(laid),
      PORT: String(port),
      HOST: "127.0.0.1",
      // The rehearsal's own sockets all come from 127.0.0.1.
      MAX_CONNECTIONS_PER_IP: String(OPEN_SOCKETS_AT_SHUTDOWN + 10),
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  let listening: () => void = () => {};
  const started = new Promise<void>((resolve) => (listening = resolve));
  const read = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        if (line.includes('"msg":"listening"')) listening();
      }
    }
  };
  void read(child.stdout);
  void read(child.stderr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    started.then(() => "started"),
    child.status.then((status) => `exited with ${status.code}`),
    new Promise<string>((
      resolve,
    ) => (timer = setTimeout(() => resolve("timed out"), START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (outcome !== "started") fail(`the server ${outcome}:\n${output.join("\n")}`);
  return { child, base: `127.0.0.1:${port}`, output };
}

function openSocket(
  base: string,
): Promise<{ socket: WebSocket; messages: unknown[]; closed: Promise<number> }> {
  const socket = new WebSocket(`ws://${base}/ws`);
  const messages: unknown[] = [];
  socket.onmessage = (event) => messages.push(JSON.parse(String(event.data)));
  const closed = new Promise<number>((
    resolve,
  ) => (socket.onclose = (event) => resolve(event.code)));
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve({ socket, messages, closed });
    socket.onerror = () => reject(new RehearsalError(`WebSocket to ${base} failed`));
  });
}

async function nextOfType(messages: unknown[], type: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const found = messages.find((m) => (m as { type?: string }).type === type);
    if (found) return found as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return fail(`no ${type} within 5 s; got ${JSON.stringify(messages)}`);
}

async function checkServing(server: Server, laid: LaidStage): Promise<void> {
  const health = await fetch(`http://${server.base}/health`);
  const healthBody = await health.text();
  if (health.status !== 200) fail(`/health answered ${health.status}: ${healthBody}`);
  console.log(`/health: 200 ${healthBody}`);

  const page = await fetch(`http://${server.base}/`);
  const html = await page.text();
  if (page.status !== 200 || !html.includes("app.js") || html.includes("not built")) {
    fail(`/ is not the built watch page (${page.status}): ${html.slice(0, 200)}`);
  }
  const bundle = await fetch(`http://${server.base}/app.js`);
  await bundle.body?.cancel();
  if (bundle.status !== 200) fail(`/app.js answered ${bundle.status}`);
  console.log(`/: 200, the watch page (${html.length} bytes), /app.js: 200`);

  const host = await openSocket(server.base);
  const guest = await openSocket(server.base);
  host.socket.send(
    JSON.stringify({ type: "create_room", payload: { name: "rehearsal" }, ts: Date.now() }),
  );
  const created = await nextOfType(host.messages, "room_state");
  guest.socket.send(JSON.stringify({ type: "join_room", room: created.room, ts: Date.now() }));
  const joined = await nextOfType(guest.messages, "room_state");
  if (joined.room !== created.room) fail(`the guest joined ${joined.room}, not ${created.room}`);
  console.log(`/ws: a room created and joined (${created.room})`);
  host.socket.close();
  guest.socket.close();
  await Promise.all([host.closed, guest.closed]);

  if (laid.stage.healthcheck) {
    const [command, ...args] = laid.stage.healthcheck;
    const status = await new Deno.Command(command!, {
      args,
      cwd: laid.workdir,
      env: { ...stageEnv(laid), PORT: server.base.split(":")[1]! },
      clearEnv: true,
    }).spawn().status;
    if (!status.success) {
      fail(`HEALTHCHECK ${laid.stage.healthcheck.join(" ")}: exit ${status.code}`);
    }
    console.log(`HEALTHCHECK ${laid.stage.healthcheck.join(" ")}: healthy`);
  }
}

/** npm packages in a DENO_DIR's cache, by name. */
async function cachedPackages(denoDir: string): Promise<string[]> {
  const registry = join(denoDir, "npm", "registry.npmjs.org");
  const names: string[] = [];
  if (!(await exists(registry))) return names;
  for await (const entry of Deno.readDir(registry)) {
    if (!entry.name.startsWith("@")) {
      names.push(entry.name);
      continue;
    }
    for await (const scoped of Deno.readDir(join(registry, entry.name))) {
      names.push(`${entry.name}/${scoped.name}`);
    }
  }
  return names.sort();
}

/** main.ts's module graph in the project, dynamic imports (cluster/ for REDIS_URL) included. */
async function serverGraph(): Promise<Graph> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: PROJECT,
    stdout: "piped",
  }).output();
  if (!info.success) fail("deno info main.ts failed");
  return JSON.parse(new TextDecoder().decode(info.stdout)) as Graph;
}

/**
 * Every file main.ts can load is in the image, dynamic imports included: deno check passes
 * without a dynamically imported folder, and the server would start, then fail on REDIS_URL.
 */
async function checkSourceFiles(laid: LaidStage, graph: Graph): Promise<void> {
  const local = graph.modules.map((module) => module.specifier)
    .filter((specifier) => specifier.startsWith("file:"))
    .map((specifier) => fileURLToPath(specifier).slice(PROJECT.length));
  const missing: string[] = [];
  for (const path of local) {
    if (!(await exists(join(laid.workdir, path)))) missing.push(path);
  }
  if (missing.length) fail(`the runtime stage lacks what main.ts imports: ${missing.join(", ")}`);
  console.log(`runtime sources: all ${local.length} modules of main.ts's graph are there`);
}

/** Only the npm packages main.ts's graph reaches (server_lock.ts's closure), by name. */
async function checkRuntimePackages(laid: LaidStage, graph: Graph): Promise<void> {
  const packages = await cachedPackages(laid.denoDir);
  const needed = new Set([...reachedPackages(graph)].map((id) => id.replace(/(.)@[^@]*$/, "$1")));
  const extra = packages.filter((name) => !needed.has(name));
  console.log(`runtime npm packages (${packages.length}): ${packages.join(", ")}`);
  if (extra.length) {
    fail(`the runtime stage installs what the server never imports: ${extra.join(", ")}`);
  }
}

/** A room made just before the SIGTERM, for the next start to bring back (kept rooms). */
interface KeptRoom {
  readonly roomId: string;
  readonly resumeToken: string;
}

async function checkShutdown(server: Server, laid: LaidStage): Promise<KeptRoom | null> {
  const keeps = !!laid.stage.env.DATA_DIR;
  const expected = keeps ? 1012 : 1001;
  const sockets = await Promise.all(
    Array.from({ length: OPEN_SOCKETS_AT_SHUTDOWN }, () => openSocket(server.base)),
  );
  let kept: KeptRoom | null = null;
  if (keeps) {
    const host = sockets[0]!;
    const hello = await nextOfType(host.messages, "client_hello");
    host.socket.send(
      JSON.stringify({ type: "create_room", payload: { name: "kept" }, ts: Date.now() }),
    );
    const state = await nextOfType(host.messages, "room_state");
    const payload = hello.payload as { resume_token: string };
    kept = { roomId: String(state.room), resumeToken: payload.resume_token };
  }
  const started = performance.now();
  server.child.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    server.child.status,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  const elapsed = performance.now() - started;
  if (!status) {
    server.child.kill("SIGKILL");
    fail(
      `SIGTERM with ${OPEN_SOCKETS_AT_SHUTDOWN} sockets: still running after ${STOP_TIMEOUT_MS} ms`,
    );
  }
  const codes = await Promise.all(sockets.map((s) => s.closed));
  const other = codes.filter((code) => code !== expected).length;
  if (status!.code !== 0) fail(`SIGTERM: exit ${status!.code}\n${server.output.join("\n")}`);
  if (other) fail(`SIGTERM: ${other} of ${codes.length} sockets closed without ${expected}`);
  console.log(
    `SIGTERM with ${OPEN_SOCKETS_AT_SHUTDOWN} open sockets: every one closed ${expected}, ` +
      `exit 0 in ${Math.round(elapsed)} ms`,
  );
  return kept;
}

/** The next container on the same volume: the room is back, and its host's token takes it. */
async function checkKeptRoom(server: Server, kept: KeptRoom): Promise<void> {
  const client = await openSocket(server.base);
  await nextOfType(client.messages, "client_hello");
  client.socket.send(
    JSON.stringify({ type: "resume", payload: { token: kept.resumeToken }, ts: Date.now() }),
  );
  const resumed = await nextOfType(client.messages, "resumed");
  const payload = resumed.payload as { room?: string };
  if (payload.room !== kept.roomId) {
    fail(`after the restart the host resumed into ${payload.room}, not ${kept.roomId}`);
  }
  client.socket.close();
  await client.closed;
  console.log(`restart on the same data/: room ${kept.roomId} is back, its host resumed it`);
}

async function stopRuntime(server: Server): Promise<void> {
  server.child.kill("SIGTERM");
  await server.child.status;
}

async function rehearse(keep: boolean): Promise<void> {
  const stages = parseDockerfile(await Deno.readTextFile(join(PROJECT, "Dockerfile")));
  if (stages.length === 0) fail("the Dockerfile has no FROM");
  const work = await Deno.makeTempDir({ prefix: "owp-image-" });
  let server: Server | undefined;
  try {
    const laid: LaidStage[] = [];
    for (const [index, stage] of stages.entries()) {
      laid.push(await layStage(stage, index, work, laid));
    }
    const runtime = laid.at(-1)!;
    const graph = await serverGraph();
    await checkSourceFiles(runtime, graph);
    await checkRuntimePackages(runtime, graph);
    server = await startRuntime(runtime);
    await checkServing(server, runtime);
    const kept = await checkShutdown(server, runtime);
    server = undefined;
    if (kept) {
      server = await startRuntime(runtime);
      await checkKeptRoom(server, kept);
      await stopRuntime(server);
      server = undefined;
    }
    console.log("image rehearsal: ok");
  } finally {
    if (server) {
      try {
        server.child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    if (keep) console.log(`kept ${work}`);
    else await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  try {
    await rehearse(Deno.args.includes("--keep"));
  } catch (error) {
    if (!(error instanceof RehearsalError)) throw error;
    console.error(`image rehearsal failed: ${error.message}`);
    Deno.exit(1);
  }
}
