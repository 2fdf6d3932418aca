/**
 * The upstream client's stand-in page for browser tests: tests/browser/legacy_page.ts (its
 * playback arithmetic and its reconnect rules) on a real <video>, served by the harness's static
 * server. Give `UPSTREAM_PAGE_HARNESS` to `startHarness`, then open pages with `openUpstream`.
 */
import type { Page } from "playwright-core";
import type { BrowserHarness, HarnessOptions } from "./harness.ts";
import type { PageGlobals } from "./watch_page.ts";

const UPSTREAM_PAGE_PATH = "/test/legacy.html";
const UPSTREAM_PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Upstream-arithmetic test page</title></head>
<body>
<video id="video" playsinline preload="auto" width="640" height="360"></video>
<script type="module" src="/dist/legacy_page.js"></script>
</body>
</html>
`;

/** What the harness must bundle and serve for the page. */
export const UPSTREAM_PAGE_HARNESS: Pick<HarnessOptions, "extraEntries" | "pages"> = {
  extraEntries: ["tests/browser/legacy_page.ts"],
  pages: { [UPSTREAM_PAGE_PATH]: UPSTREAM_PAGE_HTML },
};

/** What the page shows of itself on `window.legacy` (read through page.evaluate). */
export interface UpstreamPageState {
  readonly roomId: string | null;
  readonly clientId: string | null;
  readonly isHost: boolean;
  /** What the upstream client would have shown, in order. */
  readonly notices: string[];
  readonly closes: { atMs: number; code: number }[];
  /** Each rejoin that got its room back after a reconnect. */
  readonly rejoins: { atMs: number; roomId: string }[];
}

/**
 * A page running the upstream client: a member of `room`, or the host of a new room. `ws`: the
 * socket it uses (default the harness's server).
 */
export async function openUpstream(
  harness: BrowserHarness,
  name: string,
  role: { room: string } | { host: true },
  ws = harness.wsUrl,
): Promise<Page> {
  const query = new URLSearchParams({ name, ws });
  if ("host" in role) {
    query.set("host", "1");
    query.set("media", harness.videoUrl);
  }
  const hash = "room" in role ? `#room=${encodeURIComponent(role.room)}` : "";
  const page = await harness.newPage();
  await page.goto(`${harness.files.origin}${UPSTREAM_PAGE_PATH}?${query}${hash}`);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).legacy?.roomId != null);
  return page;
}

export function upstreamState(page: Page): Promise<UpstreamPageState> {
  return page.evaluate(() => {
    const legacy = (globalThis as unknown as { legacy: UpstreamPageState }).legacy;
    return {
      roomId: legacy.roomId,
      clientId: legacy.clientId,
      isHost: legacy.isHost,
      notices: [...legacy.notices],
      closes: [...legacy.closes],
      rejoins: [...legacy.rejoins],
    };
  });
}
