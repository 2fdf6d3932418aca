/**
 * Where `--json` writes. An absolute path is used as given and a relative one is taken from
 * the working directory (under `deno task`, the project folder). Checked before the run, so a
 * path the bench may not write fails in a second, not after minutes of measuring.
 */
import { dirname, resolve } from "node:path";

export function resolveOutputPath(path: string, cwd: string): string {
  return resolve(cwd, path);
}

/** Makes the file's folder; throws an error that says which permission to give when refused. */
export async function prepareOutput(file: string): Promise<void> {
  const folder = dirname(file);
  const { state } = await Deno.permissions.query({ name: "write", path: file });
  if (state !== "granted") {
    throw new Error(
      `cannot write ${file}: this run may not write there. \`deno task bench\` may write only ` +
        `bench/results and bench/profiles; for another folder run the task's command with it ` +
        `added to --allow-write (see bench/README.md), e.g. --allow-write=bench/results,` +
        `bench/profiles,${folder}`,
    );
  }
  await Deno.mkdir(folder, { recursive: true });
}
