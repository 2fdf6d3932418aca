/**
 * The watch page as `deno task build` makes it, in a temporary web root: the bundles built by
 * `deno bundle` (a subprocess, with the build task's own flags read from deno.json, plus any
 * test-only entry points) into <tmp>/dist, and web/index.html and web/app.css copied beside
 * them. The project's web/dist is never touched, so a test run cannot disturb a build.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import denoJson from "../../deno.json" with { type: "json" };

const SOURCE = /^[^-].*\.(?:ts|tsx|js|jsx|mts)$/;

export const PROJECT_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

export interface WebRoot {
  /** The temporary folder: index.html, app.css, dist/. */
  readonly dir: string;
  /** The same, as the file URL createSessionServer's `webRoot` takes (ends with "/"). */
  readonly url: URL;
  /** What `deno bundle` printed, for a failed build's message. */
  readonly log: string;
  remove(): Promise<void>;
}

/**
 * The build task's arguments (run from the project root, as `deno task` does), with its
 * output folder replaced and `extraEntries` added after its own entry points.
 */
export function bundleArgs(
  buildTask: string,
  outdir: string,
  extraEntries: string[],
  { ownEntries = true } = {},
): string[] {
  const tokens = buildTask.trim().split(/\s+/);
  if (tokens[0] !== "deno" || tokens[1] !== "bundle") {
    throw new Error(`deno.json's build task is not a 'deno bundle' command: ${buildTask}`);
  }
  // The task's entry points are its source files; every other token is a flag or its value.
  const args = tokens.slice(1).filter((token) => ownEntries || !SOURCE.test(token));
  const at = args.findIndex((token) => token === "--outdir" || token.startsWith("--outdir="));
  if (at < 0) throw new Error(`deno.json's build task has no --outdir: ${buildTask}`);
  if (args[at] === "--outdir") args.splice(at, 2, `--outdir=${outdir}`);
  else args[at] = `--outdir=${outdir}`;
  return [...args, ...extraEntries];
}

/**
 * Builds the page into a new temporary web root. `extraEntries` (paths from the project root,
 * all in one folder) are bundled by a second run with the same flags into the same dist/, so
 * the page's own bundles are exactly what `deno task build` makes (one run with entries from
 * several folders would nest its outputs under their common folder): a test page script is
 * served as /<name>.js next to /client.js and /app.js.
 */
export async function buildWebRoot(extraEntries: string[] = []): Promise<WebRoot> {
  const dir = await Deno.makeTempDir({ prefix: "owp-browser-web-" });
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const outdir = join(dir, "dist");
    const runs = [bundleArgs(denoJson.tasks.build, outdir, [])];
    if (extraEntries.length > 0) {
      runs.push(bundleArgs(denoJson.tasks.build, outdir, extraEntries, { ownEntries: false }));
    }
    let log = "";
    for (const args of runs) {
      const output = await new Deno.Command(Deno.execPath(), {
        args,
        cwd: PROJECT_ROOT,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      log += decoder.decode(output.stdout) + decoder.decode(output.stderr);
      if (!output.success) throw new Error(`deno bundle failed:\n${log}`);
    }
    for (const file of ["index.html", "app.css"]) {
      await Deno.copyFile(join(PROJECT_ROOT, "web", file), join(dir, file));
    }
    return { dir, url: new URL(`file://${dir}/`), log, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
