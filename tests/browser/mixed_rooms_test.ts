/**
 * Mixed rooms in Chromium: pages running the upstream client's arithmetic
 * (tests/browser/legacy_page.ts, on tests/helpers/legacy_client.ts) next to pages running
 * ours, on the real server. A member of either kind follows a host of either kind: playing or
 * paused like the host, within 0.5 s of it, through play, pause and seeks.
 */
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { type BrowserHarness, startHarness } from "../../tools/browser/harness.ts";
import { openUpstream, UPSTREAM_PAGE_HARNESS } from "../../tools/browser/upstream_page.ts";
import {
  type PageGlobals,
  playerDoes,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TOLERANCE_S = 0.5;
const TIMEOUT_MS = 15_000;
const playing = { playing: true, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };
const paused = { playing: false, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };

function startMixedHarness(): Promise<BrowserHarness> {
  return startHarness(UPSTREAM_PAGE_HARNESS);
}

type Action = "play" | "pause" | number;

/** The upstream host: its user presses a button, its video acts, its command goes out. */
function legacyHostDoes(host: Page, action: Action): Promise<void> {
  return host.evaluate((what) => {
    const legacy = (globalThis as unknown as {
      legacy: { press(action: string, position?: number): void };
    }).legacy;
    if (typeof what === "number") legacy.press("seek", what);
    else legacy.press(what);
  }, action);
}

/** The same script for both rooms: play, pause, seek paused, play, seek playing. */
async function runScript(
  t: Deno.TestContext,
  host: Page,
  members: Page[],
  hostDoes: (host: Page, action: Action) => Promise<void>,
): Promise<void> {
  await t.step("play", async () => {
    await hostDoes(host, "play");
    await waitForSync(host, members, playing);
  });
  await t.step("pause", async () => {
    await hostDoes(host, "pause");
    await waitForSync(host, members, paused);
  });
  await t.step("seek while paused", async () => {
    await hostDoes(host, 20);
    await waitForSync(host, members, { ...paused, near: 20 });
  });
  await t.step("play again", async () => {
    await hostDoes(host, "play");
    await waitForSync(host, members, playing);
  });
  await t.step("seek while playing", async () => {
    await hostDoes(host, 6);
    await waitForSync(host, members, playing);
  });
}

browserTest("browser: an upstream-arithmetic member in a room hosted by our client", async (t) => {
  const harness = await startMixedHarness();
  try {
    const pages = new WatchPages(harness);
    const host = await pages.open({ name: "Hana" });
    const roomId = await pages.createRoom(host, "Mixed");
    const upstream = await openUpstream(harness, "Uma", { room: roomId });
    const ours = await pages.open({ name: "Ann", room: roomId });
    await waitForEveryoneReady(harness, roomId, 3);
    await runScript(t, host, [upstream, ours], playerDoes);
  } finally {
    await harness.close();
  }
});

browserTest("browser: our members in a room hosted by an upstream-arithmetic client", async (t) => {
  const harness = await startMixedHarness();
  try {
    const pages = new WatchPages(harness);
    const host = await openUpstream(harness, "Uli", { host: true });
    const roomId = await host.evaluate(() =>
      (globalThis as unknown as PageGlobals).legacy!.roomId!
    );
    const members = [
      await pages.open({ name: "Ann", room: roomId }),
      await pages.open({ name: "Bob", room: roomId }),
    ];
    await waitForEveryoneReady(harness, roomId, 3);
    await runScript(t, host, members, legacyHostDoes);
  } finally {
    await harness.close();
  }
});
