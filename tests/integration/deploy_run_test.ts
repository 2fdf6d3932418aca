/**
 * The server run the way Deno Deploy runs it, from deno.json's "deploy" key: the project
 * copied without a built page, the build command run first (Deploy's build step), then the
 * entrypoint with every permission but writing and spawning (`-A --deny-write --deny-run`,
 * no other flag: Deploy allows no --unstable-*). It serves the built page, /health and a
 * room, and its eviction's SIGINT ends it cleanly. Also: the start line a person reads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { PROJECT_ROOT } from "../../tools/browser/web_build.ts";
import { TestClient } from "../helpers/test_client.ts";

/** What Deploy's upload leaves out here: history and an earlier build. */
const NOT_UPLOADED = new Set([".git", "web/dist", "node_modules", "bench/results"]);

async function copyProject(from: string, to: string, relative = ""): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (NOT_UPLOADED.has(path)) continue;
    if (entry.isDirectory) await copyProject(join(from, entry.name), join(to, entry.name), path);
    else if (entry.isFile) await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

interface Started {
  readonly child: Deno.ChildProcess;
  readonly stdout: string[];
  readonly finished: Promise<void>;
}

/** Starts `deno <args>` in `cwd` and resolves once a stdout line matches `ready`. */
async function start(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Started & { match: RegExpMatchArray }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { HOST: "127.0.0.1", PORT: "0", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let found: (match: RegExpMatchArray) => void = () => {};
  const matched = new Promise<RegExpMatchArray>((resolve) => (found = resolve));
  const collect = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        into.push(line);
        const match = into === stdout ? line.match(ready) : null;
        if (match) found(match);
      }
    }
  };
  const finished = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)])
    .then(() => {});
  const match = await Promise.race([
    matched,
    child.status.then((status) =>
      Promise.reject(new Error(`exited ${status.code}:\n${[...stdout, ...stderr].join("\n")}`))
    ),
  ]);
  return { child, stdout, finished, match };
}

Deno.test("Deno Deploy: deno.json's build, then the entrypoint with -A --deny-write --deny-run", async () => {
  const deploy = denoJson.deploy;
  assert.equal(deploy.runtime.mode, "dynamic");
  const dir = await Deno.makeTempDir({ prefix: "owp-deploy-" });
  try {
    await copyProject(PROJECT_ROOT, dir);
    // Deploy's build step: the command deno.json names, in the uploaded folder.
    const [command, ...rest] = deploy.build.split(/\s+/);
    assert.equal(command, "deno");
    const built = await new Deno.Command(Deno.execPath(), {
      args: rest,
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(built.success, new TextDecoder().decode(built.stderr));
    await Deno.stat(join(dir, "web/dist/app.js"));

    const running = await start(
      dir,
      ["run", "-A", "--deny-write", "--deny-run", deploy.runtime.entrypoint],
      { LOG_FORMAT: "json" },
      /"msg":"listening".*"port":(\d+)/,
    );
    const port = Number(running.match[1]);
    const base = `127.0.0.1:${port}`;

    const health = await fetch(`http://${base}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");
    const page = await fetch(`http://${base}/`);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /app\.js/);
    assert.doesNotMatch(html, /not built/i);

    const host = await TestClient.connect(`ws://${base}/ws`);
    const guest = await TestClient.connect(`ws://${base}/ws`);
    host.send("create_room", { name: "deploy" });
    const room = (await host.next("room_state")).room!;
    guest.send("join_room", {}, room);
    assert.equal((await guest.next("room_state")).room, room);

    // Eviction: SIGINT, and Deploy's SIGKILL 5 s later; the server is gone well before.
    running.child.kill("SIGINT");
    const [hostClose, guestClose] = await Promise.all([host.closedEvent, guest.closedEvent]);
    assert.equal(hostClose.code, 1001);
    assert.equal(guestClose.code, 1001);
    await running.finished;
    assert.equal((await running.child.status).code, 0);
    const stopped = running.stdout.map((line) => JSON.parse(line))
      .find((entry) => entry.msg === "stopped");
    assert.ok(stopped, running.stdout.join("\n"));
    assert.ok(stopped.ms < 5_000, `stopped after ${stopped.ms} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LOG_FORMAT=text: one line with the page and WebSocket URLs, no colour off a terminal", async () => {
  const running = await start(
    PROJECT_ROOT,
    ["run", "--allow-net", "--allow-env", "--allow-read=.", "main.ts"],
    { LOG_FORMAT: "text" },
    /open (http:\/\/\S+) \(WebSocket (ws:\/\/\S+);/,
  );
  try {
    const [line, page, ws] = running.match;
    assert.match(page!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(ws, `${page!.replace("http:", "ws:")}ws`);
    assert.ok(!line!.includes("\x1b["), "colour codes in a pipe");
    // The URL it prints is the one that answers.
    const health = await fetch(new URL("health", page));
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    running.child.kill("SIGTERM");
    await running.finished;
  }
  assert.equal((await running.child.status).code, 0);
  assert.ok(running.stdout.every((line) => !line.includes("\x1b[")), running.stdout.join("\n"));
});
