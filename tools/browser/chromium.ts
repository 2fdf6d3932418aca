/**
 * Chromium for the browser tests and the sync benchmark: where it is (Debian's package, any
 * `chromium` on PATH, or CHROMIUM_PATH), the flags it runs with, and why a run must skip when
 * it is missing. The tests decide at load time (Deno.test's `ignore`), so a machine without
 * Chromium or ffmpeg stays green and says what it skipped.
 */
import type { Browser } from "playwright-core";
import fs from "node:fs";
import os from "node:os";

/**
 * Headless, no sandbox (containers), no GPU, nothing phoning home, media that starts without a
 * click and makes no sound.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
  "--mute-audio",
]);

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** An executable called `name` on PATH, if any. */
export function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** Chromium's executable: CHROMIUM_PATH when set, else Debian's, else `chromium` on PATH. */
export function findChromium(): string | null {
  const configured = Deno.env.get("CHROMIUM_PATH");
  if (configured) return isFile(configured) ? configured : null;
  return CANDIDATES.find(isFile) ?? onPath("chromium") ?? onPath("chromium-browser");
}

/**
 * Why browser tests cannot run here, or false when they can. Never throws: without the
 * permissions to look, that is the reason.
 */
export function browserSkipReason(): string | false {
  try {
    if (!findChromium()) {
      return "no Chromium found (install Debian's chromium package or set CHROMIUM_PATH)";
    }
    if (!onPath("ffmpeg")) return "no ffmpeg found to make the test video (apt-get install ffmpeg)";
    return false;
  } catch (error) {
    return `cannot look for Chromium: ${error instanceof Error ? error.message : error}`;
  }
}

type Playwright = typeof import("playwright-core");
let playwright: Promise<Playwright> | null = null;

/**
 * playwright-core, imported under the test task's permissions (no --allow-sys, no
 * --allow-all). At import it asks Node for three things Deno guards more tightly than Node:
 * `os.homedir()` and `os.release()` (sys permissions; used for Chrome channels' default
 * profile folders and a WSL check) and `fs.existsSync("/proc/sys/fs/binfmt_misc/WSLInterop")`
 * (Deno wants --allow-all for /proc/sys, and its existsSync throws where Node's returns false).
 * For the import only, they are answered from what the task may read: HOME, no kernel release
 * (so: not WSL), and Node's never-throwing existsSync. Nothing afterwards needs them.
 */
function loadPlaywright(): Promise<Playwright> {
  return playwright ??= (async () => {
    const saved = { homedir: os.homedir, release: os.release, existsSync: fs.existsSync };
    const allowed = (name: "homedir" | "osRelease") =>
      Deno.permissions.querySync({ name: "sys", kind: name }).state === "granted";
    if (!allowed("homedir")) os.homedir = () => Deno.env.get("HOME") ?? "/nonexistent";
    if (!allowed("osRelease")) os.release = () => "";
    fs.existsSync = (path: fs.PathLike) => {
      try {
        return saved.existsSync(path);
      } catch {
        return false;
      }
    };
    try {
      return await import("playwright-core");
    } finally {
      Object.assign(os, { homedir: saved.homedir, release: saved.release });
      fs.existsSync = saved.existsSync;
    }
  })();
}

export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("no Chromium found (set CHROMIUM_PATH)");
  const { chromium } = await loadPlaywright();
  return await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
