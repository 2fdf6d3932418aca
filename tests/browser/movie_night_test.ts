/**
 * Moments of a movie night on the real watch page in Chromium, with three pages in a room:
 * the host's page reloads while the party plays and while it is paused (its player comes back
 * on the room's timeline, nobody is moved), and the film plays to its end and is played again
 * from further back (members go on following without a click, and no page says otherwise).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import {
  judgeSync,
  type PageGlobals,
  playerDoes,
  readPlayback,
  realPageAvailable,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TOLERANCE_S = 0.05;
const TIMEOUT_MS = 15_000;
/** The test video's length (tools/browser/test_video.ts). */
const FILM_S = 40;
/**
 * How long a reloaded host is watched for moving the room: its page reports its position
 * every second, and the fault showed about 3 s after the reload.
 */
const WATCH_AFTER_RELOAD_MS = 4_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

function noticesOf(page: Page): Promise<string[]> {
  return page.locator("#notices .notice-text, #status").allTextContents();
}

/** Every page stays playing within the tolerance of the host for `ms`, polled. */
async function stayInSync(host: Page, members: Page[], ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const verdict = await judgeSync(host, members, { playing: true, toleranceS: TOLERANCE_S });
    assert.ok(verdict.ok, verdict.why);
    // The next look (a poll interval: the fault is something that happens, or does not).
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every page stays paused at `position` (±0.05 s) for `ms`, polled. */
async function stayPausedAt(pages: Page[], position: number, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    for (const [i, reading] of (await Promise.all(pages.map(readPlayback))).entries()) {
      assert.ok(reading.paused, `page ${i} plays`);
      assert.ok(
        Math.abs(reading.position - position) <= TOLERANCE_S,
        `page ${i} at ${reading.position.toFixed(3)} s, not ${position} s`,
      );
    }
    // The next look (a poll interval: the fault is something that happens, or does not).
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

browserTest(
  "browser: the host reloads (playing, paused) and the film plays to its end and again",
  async (t) => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      const roomId = await pages.createRoom(host, "Movie night");
      const ann = await pages.open({ name: "Ann", room: roomId });
      const bob = await pages.open({ name: "Bob", room: roomId });
      const members = [ann, bob];
      await waitForEveryoneReady(harness, roomId, 3);
      const playing = { playing: true, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };
      const paused = { playing: false, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };

      await t.step(
        "the host reloads while the party plays: it comes back where they are",
        async () => {
          await playerDoes(host, 10);
          await waitForSync(host, members, { ...paused, near: 10 });
          await playerDoes(host, "play");
          await waitForSync(host, members, playing);
          await pages.reload(host, roomId);
          const room = await host.evaluate(() =>
            (globalThis as unknown as PageGlobals).owp!.client.room
          );
          assert.equal(room?.isHost, true, "still the host");
          const verdict = await waitForSync(host, members, playing);
          assert.ok(
            verdict.readings[0]!.position > 11,
            `the host at ${verdict.readings[0]!.position}`,
          );
          // And it stays so: the reloaded host's reports do not move anyone back.
          await stayInSync(host, members, WATCH_AFTER_RELOAD_MS);
          const later = await readPlayback(ann);
          assert.ok(later.position > 15, `Ann at ${later.position}`);
        },
      );

      await t.step("the host reloads while the party is paused: nobody moves", async () => {
        await playerDoes(host, "pause");
        await waitForSync(host, members, paused);
        await playerDoes(host, 25);
        await waitForSync(host, members, { ...paused, near: 25 });
        await pages.reload(host, roomId);
        await waitForSync(host, members, { ...paused, near: 25 });
        await stayPausedAt([host, ...members], 25, WATCH_AFTER_RELOAD_MS);
        await playerDoes(host, "play");
        const verdict = await waitForSync(host, members, playing);
        assert.ok(verdict.readings[0]!.position >= 25, "played on from 25 s");
      });

      await t.step("to the end of the film: members go on following", async () => {
        await playerDoes(host, FILM_S - 4);
        await Promise.all([host, ...members].map((page) =>
          page.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp!.video.ended,
            null,
            { timeout: TIMEOUT_MS },
          )
        ));
        for (const [name, page] of [["Ann", ann], ["Bob", bob]] as const) {
          const reading = await readPlayback(page);
          assert.notEqual(reading.follow, "held", `${name} is not left behind`);
          const texts = (await noticesOf(page)).join(" | ");
          assert.ok(!/not following/i.test(texts), `${name}'s page says: ${texts}`);
        }
      });

      await t.step("the host seeks back and plays: everyone plays from there", async () => {
        await playerDoes(host, 30);
        await waitForSync(host, members, { ...paused, near: 30 });
        await playerDoes(host, "play");
        const verdict = await waitForSync(host, members, playing);
        assert.ok(verdict.readings[0]!.position < FILM_S - 5, "from 30 s");
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
