/**
 * The film's place for everyone, on the real watch page in Chromium: a member (no player
 * controls) sees the elapsed and remaining time and a read-only position bar that follow the
 * film; each command and speed change is one line in everyone's chat ("Hana paused at 0:06",
 * "You paused at 0:06" on the host's own page), a drag through the film one line, not many.
 * OWP_SCREENSHOTS=<dir> saves the member's bar and the chat at 1280x800 and 390x844.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  playerDoes,
  readPlayback,
  realPageAvailable,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

/** Under a minute, as the page shows it: 0:06. */
function twoDigits(seconds: number): string {
  return `0:${String(Math.floor(seconds)).padStart(2, "0")}`;
}

function notesOf(page: Page): Promise<string[]> {
  return page.locator("#chat-log .message-note").allTextContents();
}

async function waitForNote(page: Page, text: string): Promise<void> {
  await page.locator("#chat-log .message-note", { hasText: text }).first().waitFor({
    timeout: TIMEOUT_MS,
  });
}

browserTest(
  "browser: a member's timeline follows the film, and every command is one chat line for everyone",
  async (t) => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      const roomId = await pages.createRoom(host, "Timeline night");
      const ann = await pages.open({ name: "Ann", room: roomId });
      await waitForEveryoneReady(harness, roomId, 2);
      const expect = { toleranceS: 0.05, timeoutMs: TIMEOUT_MS };

      await t.step(
        "play, then pause: the member's bar and times follow; chat says so",
        async () => {
          await playerDoes(host, "play");
          await waitForSync(host, [ann], { ...expect, playing: true });
          await new Promise((resolve) => setTimeout(resolve, 4_000));
          await playerDoes(host, "pause");
          const verdict = await waitForSync(host, [ann], { ...expect, playing: false });
          const at = verdict.readings[0]!.position;
          const clock = twoDigits(at);
          await waitForNote(ann, `Hana paused at ${clock}`);
          await waitForNote(host, `You paused at ${clock}`);
          assert.ok(
            (await notesOf(ann)).some((note) => /^Hana played from 0:00$/.test(note)),
            `notes: ${(await notesOf(ann)).join(" | ")}`,
          );
          const mine = (await readPlayback(ann)).position;
          assert.equal(await ann.textContent("#member-elapsed"), twoDigits(mine));
          assert.equal(await ann.textContent("#member-remaining"), `−${twoDigits(40 - mine)}`);
          const bar = await ann.evaluate(`(() => {
          const progress = document.getElementById("member-progress");
          return { value: progress.value, max: progress.max, hidden: progress.hidden };
        })()`) as { value: number; max: number; hidden: boolean };
          assert.equal(bar.hidden, false);
          assert.ok(Math.abs(bar.value - mine) < 0.1, `bar at ${bar.value}, film at ${mine}`);
          assert.ok(Math.abs(bar.max - 40) < 0.5, `bar max ${bar.max}`);
          // The host drives with the player's own controls: no second bar.
          assert.equal(await host.isVisible("#member-controls"), false);
          await snap(ann, "timeline-member-paused", { phone: true, focus: "#stage" });
        },
      );

      await t.step("three seeks in a row are one line: where the host ended up", async () => {
        const before = (await notesOf(ann)).length;
        for (const position of [12, 18, 25]) {
          await playerDoes(host, position);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        await waitForSync(host, [ann], { ...expect, playing: false, near: 25 });
        await waitForNote(ann, "Hana jumped to 0:25");
        const notes = await notesOf(ann);
        assert.equal(notes.length, before + 1, `notes: ${notes.slice(before).join(" | ")}`);
        assert.equal((await readPlayback(ann)).position.toFixed(1), "25.0");
        assert.equal(await ann.textContent("#member-elapsed"), "0:25");
      });

      await t.step("a speed change is a line too", async () => {
        await host.selectOption("#speed", "1.5");
        await waitForNote(ann, "Hana set the speed to 1.5×");
        await waitForNote(host, "You set the speed to 1.5×");
        await ann.click("#tab-chat");
        await snap(ann, "timeline-chat-lines", { phone: true, focus: "#panel-chat" });
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
