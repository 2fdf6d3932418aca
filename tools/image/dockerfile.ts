/**
 * Reads a Dockerfile into its stages and instructions, as much of the format as the image
 * rehearsal needs: FROM (with AS), WORKDIR, COPY (--from, --chown), RUN (shell form), ENV,
 * USER, CMD and HEALTHCHECK (exec form). Anything else is kept by keyword and ignored.
 * Continuation lines (a trailing backslash) and comments follow Docker's rules.
 */
export interface CopyStep {
  readonly kind: "copy";
  /** A stage's name, or undefined: the build context. */
  readonly from?: string;
  readonly sources: readonly string[];
  readonly destination: string;
}
export interface RunStep {
  readonly kind: "run";
  readonly command: string;
}
export interface WorkdirStep {
  readonly kind: "workdir";
  readonly path: string;
}
export type Step = CopyStep | RunStep | WorkdirStep;

export interface Stage {
  readonly name: string | undefined;
  readonly base: string;
  readonly steps: Step[];
  readonly env: Record<string, string>;
  cmd?: string[];
  healthcheck?: string[];
}

/** The logical lines: continuations joined, comments and blank lines dropped. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line.trimStart().startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    if (whole) lines.push(whole);
  }
  if (pending.trim()) lines.push(pending.trim());
  return lines;
}

function execForm(text: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === "string")) {
    throw new Error(`${where}: only the exec form (a JSON array of strings) is supported`);
  }
  return parsed;
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [keyword = "", ...words] = line.split(/\s+/);
    const rest = line.slice(keyword.length).trim();
    const upper = keyword.toUpperCase();
    if (upper === "FROM") {
      const as = words.findIndex((word) => word.toUpperCase() === "AS");
      stages.push({
        name: as >= 0 ? words[as + 1] : undefined,
        base: words[0] ?? "",
        steps: [],
        env: {},
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (upper === "ARG") continue;
      throw new Error(`${keyword} before FROM`);
    }
    switch (upper) {
      case "WORKDIR":
        stage.steps.push({ kind: "workdir", path: rest });
        break;
      case "RUN":
        if (rest.startsWith("[")) throw new Error("RUN: only the shell form is supported");
        stage.steps.push({ kind: "run", command: rest });
        break;
      case "COPY": {
        const flags = words.filter((word) => word.startsWith("--"));
        const paths = words.filter((word) => !word.startsWith("--"));
        const from = flags.find((flag) => flag.startsWith("--from="))?.slice("--from=".length);
        if (paths.length < 2) throw new Error(`COPY needs a source and a destination: ${line}`);
        stage.steps.push({
          kind: "copy",
          from,
          sources: paths.slice(0, -1),
          destination: paths.at(-1)!,
        });
        break;
      }
      case "ENV":
        for (const match of rest.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
          stage.env[match[1]!] = match[2]!.replace(/^"|"$/g, "");
        }
        break;
      case "CMD":
        stage.cmd = execForm(rest, "CMD");
        break;
      case "HEALTHCHECK": {
        const at = rest.search(/\bCMD\b/);
        if (at >= 0) stage.healthcheck = execForm(rest.slice(at + 3).trim(), "HEALTHCHECK");
        break;
      }
      default:
        break; // USER, EXPOSE, LABEL, ...: nothing to rehearse
    }
  }
  return stages;
}

/**
 * .dockerignore's patterns, enough of them for this project: a path (a folder excludes what is
 * under it) or a glob of `*` within one path segment, matched from the context's root.
 */
export function dockerIgnore(text: string): (path: string) => boolean {
  const patterns = text.split("\n").map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((pattern) => pattern.replace(/^\/+|\/+$/g, ""))
    .map((pattern) => {
      const source = pattern.split("/").map((segment) =>
        segment.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")
      ).join("/");
      return new RegExp(`^${source}(?:/|$)`);
    });
  return (path) => patterns.some((pattern) => pattern.test(path));
}
