/**
 * Deno.test for Chromium: skipped, with the reason in its name and on stderr, on a machine
 * without Chromium or ffmpeg (so `deno task test` stays green there); run in CI, which
 * installs both. Playwright keeps its pipes and timers for the browser's life, so the
 * sanitizers that count them are off; each test closes its own harness.
 */
import { browserSkipReason } from "./chromium.ts";

const skipReason = browserSkipReason();
let warned = false;

export function browserTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  /** Another reason to skip this one test (false: none). */
  skip: string | false = false,
): void {
  const reason = skipReason || skip;
  if (reason && skipReason && !warned) {
    warned = true;
    console.error(`browser tests skipped: ${reason}`);
  }
  Deno.test({
    name: reason ? `${name} (skipped: ${reason})` : name,
    ignore: reason !== false,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}
