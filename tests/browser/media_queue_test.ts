/**
 * Changing the video and the queue on the real watch page, in Chromium: the host queues two
 * videos from "Up next" (a member sees the list, read-only), a bad link is refused in the
 * form; the film plays to its end on both pages and the next video starts for both, on one
 * frame; "Play now" switches everyone to a typed link, paused at 0, and the next play starts
 * both together; the host reorders and removes items. OWP_SCREENSHOTS=<dir> saves each state
 * at 1280x800 and 390x844.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  type PageGlobals,
  playerDoes,
  readPlayback,
  realPageAvailable,
  roomOf,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TOLERANCE_S = 0.05;
const TIMEOUT_MS = 20_000;
/** A short film, so that playing to its end takes seconds. */
const FILM_S = 12;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

/** Until the page's room plays `url` (its client's view). */
async function waitForMedia(page: Page, url: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => (globalThis as unknown as PageGlobals).owp?.client.room?.mediaUrl === wanted,
    url,
    { timeout: TIMEOUT_MS },
  );
}

/** What the predicate below reads of the page (typed here: Deno's checker has no DOM lib). */
interface QueuedPage {
  document: { querySelectorAll(selector: string): { length: number } };
}

/** Until the page's Up next list shows `count` items. */
async function waitForQueueLength(page: Page, count: number): Promise<void> {
  // A function, not a string: the page's Content-Security-Policy forbids eval, which a string
  // predicate needs each time it is polled.
  await page.waitForFunction(
    (n) =>
      (globalThis as unknown as QueuedPage).document.querySelectorAll(".queue-item").length === n,
    count,
    { timeout: TIMEOUT_MS },
  );
}

function queueTitles(page: Page): Promise<string[]> {
  return page.locator("#queue-list .queue-item-title").allTextContents();
}

async function addToQueue(host: Page, url: string, title: string): Promise<void> {
  await host.fill("#queue-url", url);
  await host.fill("#queue-item-title", title);
  await host.click("#queue-form [type=submit]");
}

browserTest(
  "browser: a queue on the watch page: add, refuse a bad link, auto-advance at the end for both, play now, reorder, remove",
  async (t) => {
    const harness = await startHarness({ videoDurationS: FILM_S });
    try {
      const episode = (n: number) => `${harness.videoUrl}?episode=${n}`;
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      const roomId = await pages.createRoom(host, "Series night");
      const ann = await pages.open({ name: "Ann", room: roomId });
      await waitForEveryoneReady(harness, roomId, 2);

      await t.step("the host queues two videos; the member sees them, read-only", async () => {
        await host.click("#tab-queue");
        await host.waitForSelector("#queue-form:not([hidden])");
        assert.equal(await host.textContent("#now-playing-title"), "test.webm");
        await addToQueue(host, episode(2), "Episode 2");
        await addToQueue(host, episode(3), "Episode 3");
        await ann.click("#tab-queue");
        await waitForQueueLength(ann, 2);
        assert.deepEqual(await queueTitles(ann), ["Episode 2", "Episode 3"]);
        assert.equal(await ann.isVisible("#queue-form"), false, "no form for a member");
        assert.equal(await ann.locator("#queue-list button").count(), 0, "no buttons either");
        assert.equal(await ann.textContent("#queue-hint"), "The host chooses what plays next.");
        assert.equal(await ann.textContent("#queue-count"), "2");
        assert.match((await ann.locator(".queue-by").first().textContent()) ?? "", /added by Hana/);
        await snap(host, "queue-host", { phone: true, focus: "#panel-queue" });
        await snap(ann, "queue-member", { phone: true, focus: "#panel-queue" });
      });

      await t.step(
        "a link that is not http(s) is refused in the form, nothing is sent",
        async () => {
          await host.fill("#queue-url", "ftp://files.example/film.mp4");
          await host.click("#queue-form [type=submit]");
          await host.waitForSelector("#queue-url-error:not([hidden])");
          assert.match(
            (await host.textContent("#queue-url-error")) ?? "",
            /Only http:\/\/ and https:\/\/ links/,
          );
          await snap(host, "queue-bad-link", { phone: true, focus: "#queue-form" });
          assert.equal((await roomOf(host))?.queue.length, 2);
          await host.fill("#queue-url", "");
        },
      );

      await t.step("the film ends on both pages: Episode 2 starts for both, together", async () => {
        await playerDoes(host, FILM_S - 4);
        await waitForSync(host, [ann], {
          playing: false,
          toleranceS: TOLERANCE_S,
          timeoutMs: TIMEOUT_MS,
          near: FILM_S - 4,
        });
        await playerDoes(host, "play");
        await waitForMedia(ann, episode(2));
        await waitForMedia(host, episode(2));
        const verdict = await waitForSync(host, [ann], {
          playing: true,
          toleranceS: TOLERANCE_S,
          timeoutMs: TIMEOUT_MS,
        });
        assert.ok(
          verdict.readings[0]!.position < 6,
          `from the start: ${verdict.readings[0]!.position}`,
        );
        assert.deepEqual(await queueTitles(ann), ["Episode 3"]);
        assert.equal(await ann.textContent("#now-playing-title"), "Episode 2");
        const notes = await ann.locator("#chat-log .message-note").allTextContents();
        assert.ok(notes.includes("Now playing: Episode 2"), `chat notes: ${notes.join(" | ")}`);
        // Nobody is told they left the room's timeline.
        for (const page of [host, ann]) {
          assert.equal((await readPlayback(page)).follow, "following");
          assert.equal(await page.isVisible("#resync"), false);
        }
        await snap(ann, "queue-next-playing", { phone: true, focus: "#panel-queue" });
      });

      await t.step(
        "Play now: everyone switches to the typed link, paused at 0, then plays together",
        async () => {
          await host.fill("#queue-url", episode(4));
          await host.fill("#queue-item-title", "The special");
          await host.click("#queue-play-now");
          await waitForMedia(ann, episode(4));
          await waitForSync(host, [ann], {
            playing: false,
            toleranceS: TOLERANCE_S,
            timeoutMs: TIMEOUT_MS,
            near: 0,
          });
          assert.deepEqual(await queueTitles(host), ["Episode 3"], "the queue stays");
          await waitForEveryoneReady(harness, roomId, 2);
          await playerDoes(host, "play");
          await waitForSync(host, [ann], {
            playing: true,
            toleranceS: TOLERANCE_S,
            timeoutMs: TIMEOUT_MS,
          });
        },
      );

      await t.step("the host reorders and removes; the member's list follows", async () => {
        await addToQueue(host, episode(5), "Episode 5");
        await waitForQueueLength(ann, 2);
        await host.click('#queue-list button[aria-label="Move Episode 5 up"]');
        await ann.locator("#queue-list .queue-item-title").first().filter({ hasText: "Episode 5" })
          .waitFor({ timeout: TIMEOUT_MS });
        assert.deepEqual(await queueTitles(ann), ["Episode 5", "Episode 3"]);
        await host.click('#queue-list button[aria-label="Remove Episode 3"]');
        await waitForQueueLength(ann, 1);
        await waitForQueueLength(host, 1); // the same broadcast, maybe a moment later
        assert.deepEqual(await queueTitles(host), ["Episode 5"]);
        await snap(host, "queue-reordered", { phone: true, focus: "#panel-queue" });
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
