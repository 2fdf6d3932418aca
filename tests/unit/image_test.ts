/**
 * What the image rehearsal reads (the Dockerfile, .dockerignore) and what the image's build
 * writes (the server's lock), and the start line's URLs.
 */
import assert from "node:assert/strict";
import { dockerIgnore, parseDockerfile } from "../../tools/image/dockerfile.ts";
import { type Lock, pruneLock, reachedPackages } from "../../tools/image/server_lock.ts";
import { listenUrls } from "../../server/listen_url.ts";

Deno.test("parseDockerfile: stages, COPY --from, continuations, ENV, exec-form CMD and HEALTHCHECK", () => {
  const stages = parseDockerfile(`
# a comment
FROM base:1 AS build
WORKDIR /build
COPY a.json b.lock ./
RUN one \\
 && two
FROM base:1
WORKDIR /app
USER deno
COPY --chown=deno:deno --from=build /build/out ./out
ENV PORT=3000 \\
    HOST="0.0.0.0"
HEALTHCHECK --interval=30s CMD ["bash", "check.sh"]
CMD ["run", "main.ts"]
`);
  assert.equal(stages.length, 2);
  assert.deepEqual(stages[0], {
    name: "build",
    base: "base:1",
    env: {},
    steps: [
      { kind: "workdir", path: "/build" },
      { kind: "copy", from: undefined, sources: ["a.json", "b.lock"], destination: "./" },
      { kind: "run", command: "one   && two" },
    ],
  });
  assert.equal(stages[1]!.name, undefined);
  assert.deepEqual(stages[1]!.steps[1], {
    kind: "copy",
    from: "build",
    sources: ["/build/out"],
    destination: "./out",
  });
  assert.deepEqual(stages[1]!.env, { PORT: "3000", HOST: "0.0.0.0" });
  assert.deepEqual(stages[1]!.healthcheck, ["bash", "check.sh"]);
  assert.deepEqual(stages[1]!.cmd, ["run", "main.ts"]);
});

Deno.test("parseDockerfile refuses what it cannot rehearse as written", () => {
  assert.throws(() => parseDockerfile("RUN x"), /before FROM/);
  assert.throws(() => parseDockerfile('FROM a\nRUN ["x"]'), /shell form/);
  assert.throws(() => parseDockerfile("FROM a\nCMD deno run main.ts"), /exec form/);
  assert.throws(() => parseDockerfile("FROM a\nCOPY lonely"), /source and a destination/);
});

Deno.test("the project's Dockerfile: the runtime stage copies every server folder, and its CMD writes only its kept rooms", async () => {
  const stages = parseDockerfile(await Deno.readTextFile("Dockerfile"));
  const runtime = stages.at(-1)!;
  const copied = runtime.steps.flatMap((step) => step.kind === "copy" ? step.sources : []);
  for (const folder of ["main.ts", "protocol", "rooms", "server", "cluster", "store"]) {
    assert.ok(copied.includes(folder), `${folder} not copied: ${copied.join(" ")}`);
  }
  assert.equal(runtime.cmd?.[0], "run");
  const writes = runtime.cmd?.filter((arg) => arg.startsWith("--allow-write") || arg === "-A");
  assert.deepEqual(writes, ["--allow-write=data"], "the server may write data/ only");
  assert.equal(runtime.env.DATA_DIR, "./data", "its kept rooms are in data/");
});

Deno.test("dockerIgnore: folders exclude what is under them, * stays in one segment", () => {
  const ignored = dockerIgnore("# c\n.git\nweb/dist/\n*.md\n");
  assert.equal(ignored(".git/config"), true);
  assert.equal(ignored("web/dist/app.js"), true);
  assert.equal(ignored("web/app.ts"), false);
  assert.equal(ignored("README.md"), true);
  assert.equal(ignored("docs/README.md"), false);
  assert.equal(ignored(".gitignore"), false);
});

Deno.test("the server's lock: only what the graph reaches, with its versions and hashes", () => {
  const graph = {
    modules: [
      { kind: "esm", specifier: "file:///p/main.ts" },
      { kind: "npm", specifier: "npm:/hono@4.1.0/cors" },
      { kind: "npm", specifier: "npm:/@scope/lib@2.0.0" },
    ],
    npmPackages: {
      "hono@4.1.0": { dependencies: [] },
      "@scope/lib@2.0.0": { dependencies: ["dep@1.0.0"] },
      "dep@1.0.0": { dependencies: [] },
      "test-only@9.0.0": { dependencies: ["dep@1.0.0"] },
    },
  };
  const reached = reachedPackages(graph);
  assert.deepEqual([...reached].sort(), ["@scope/lib@2.0.0", "dep@1.0.0", "hono@4.1.0"]);
  const lock: Lock = {
    version: "5",
    specifiers: {
      "npm:hono@4.1.0": "4.1.0",
      "npm:@scope/lib@2.0.0": "2.0.0",
      "npm:test-only@9.0.0": "9.0.0",
    },
    npm: {
      "hono@4.1.0": { integrity: "sha512-h" },
      "@scope/lib@2.0.0": { integrity: "sha512-s", dependencies: ["dep"] },
      "dep@1.0.0": { integrity: "sha512-d" },
      "test-only@9.0.0": { integrity: "sha512-t", dependencies: ["dep"] },
    },
    workspace: { dependencies: ["npm:hono@4.1.0", "npm:test-only@9.0.0"] },
  };
  const pruned = pruneLock(lock, reached);
  assert.deepEqual(Object.keys(pruned.specifiers), ["npm:hono@4.1.0", "npm:@scope/lib@2.0.0"]);
  assert.deepEqual(Object.keys(pruned.npm), ["hono@4.1.0", "@scope/lib@2.0.0", "dep@1.0.0"]);
  assert.equal(pruned.npm["dep@1.0.0"]!.integrity, "sha512-d");
  // A frozen install compares the workspace section with deno.json's imports: kept whole.
  assert.deepEqual(pruned.workspace, lock.workspace);
});

Deno.test("listenUrls: a wildcard is opened as localhost, IPv6 in brackets", () => {
  assert.deepEqual(listenUrls("0.0.0.0", 3000), {
    page: "http://localhost:3000/",
    ws: "ws://localhost:3000/ws",
  });
  assert.equal(listenUrls("::", 80).page, "http://localhost:80/");
  assert.equal(listenUrls("127.0.0.1", 8080).ws, "ws://127.0.0.1:8080/ws");
  assert.equal(listenUrls("::1", 3000).page, "http://[::1]:3000/");
});
