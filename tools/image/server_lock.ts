/**
 * Writes the server's own lock file: deno.lock restricted to the npm packages main.ts's module
 * graph reaches (hono, zod, jose, ioredis and what they depend on), with the same versions and
 * integrity hashes. The Docker image's runtime stage installs from it, because Deno installs
 * every package a lock file holds, whatever the entrypoint: from the full lock the image would
 * carry playwright-core, axe-core, fast-check and the rest of what only tests and the page
 * build use.
 *
 * The workspace section stays whole: it mirrors deno.json's imports, which a frozen install
 * compares against; packages it names but the lock no longer holds are simply never fetched,
 * since nothing the server runs imports them.
 *
 *   deno run --allow-read --allow-write=<out> --allow-run tools/image/server_lock.ts <out>
 */
import { dirname } from "node:path";
import { z } from "zod";

const LockSchema = z.object({
  version: z.string(),
  specifiers: z.record(z.string(), z.string()),
  npm: z.record(z.string(), z.object({ dependencies: z.array(z.string()).optional() }).loose()),
  workspace: z.unknown().optional(),
}).loose();
export type Lock = z.infer<typeof LockSchema>;

const GraphSchema = z.object({
  modules: z.array(z.object({ kind: z.string().optional(), specifier: z.string() }).loose()),
  npmPackages: z.record(z.string(), z.object({ dependencies: z.array(z.string()) }).loose()),
});
export type Graph = z.infer<typeof GraphSchema>;

/** "npm:/hono@4.13.19/cors" or "npm:/@ioredis/commands@1.5.0" → "hono@4.13.19", "@ioredis/commands@1.5.0". */
function packageOf(specifier: string): string {
  const path = specifier.replace(/^npm:\/?/, "").split("/");
  return path[0]!.startsWith("@") ? `${path[0]}/${path[1]}` : path[0]!;
}

/** Every package the graph imports, and everything those depend on. */
export function reachedPackages(graph: Graph): Set<string> {
  const reached = new Set<string>();
  const pending = graph.modules.filter((module) => module.kind === "npm")
    .map((module) => packageOf(module.specifier));
  while (pending.length) {
    const id = pending.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    pending.push(...(graph.npmPackages[id]?.dependencies ?? []));
  }
  return reached;
}

/** The lock with only the reached packages and the specifiers that resolve to them. */
export function pruneLock(lock: Lock, reached: ReadonlySet<string>): Lock {
  const specifiers = Object.fromEntries(
    Object.entries(lock.specifiers).filter(([specifier, version]) => {
      const name = specifier.replace(/^npm:/, "").replace(/@[^@/]*$/, "");
      return reached.has(`${name}@${version}`);
    }),
  );
  const npm = Object.fromEntries(Object.entries(lock.npm).filter(([id]) => reached.has(id)));
  return { ...lock, specifiers, npm };
}

async function serverGraph(): Promise<Graph> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    stdout: "piped",
  }).output();
  if (!info.success) throw new Error("deno info main.ts failed");
  return GraphSchema.parse(JSON.parse(new TextDecoder().decode(info.stdout)));
}

if (import.meta.main) {
  const out = Deno.args[0];
  if (!out) {
    console.error("usage: server_lock.ts <output path>");
    Deno.exit(2);
  }
  const lock = LockSchema.parse(JSON.parse(await Deno.readTextFile("deno.lock")));
  const pruned = pruneLock(lock, reachedPackages(await serverGraph()));
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(pruned, null, 2) + "\n");
  console.log(
    `${out}: ${Object.keys(pruned.npm).length} of ${Object.keys(lock.npm).length} npm packages`,
  );
}
