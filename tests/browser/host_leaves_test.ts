/**
 * The host leaving, three ways, on the real watch page: "Leave room" in a room kept open (the
 * host is out, the next one hosts, nobody sees an error), "Close room" (asked first, then
 * everyone is told), and the host's tab closing (everyone is told the room waits for them and
 * who hosts next, then that they did not come back).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  type PageGlobals,
  realPageAvailable,
  roomOf,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;
/** Short, so the hand-over after a lost host comes within the test. */
const RESUME_GRACE_MS = 4_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";
function errorsOf(page: Page): Promise<string[]> {
  return page.locator('#notices .notice[data-tone="error"] .notice-text').allTextContents();
}

async function waitUntilHost(page: Page): Promise<void> {
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).owp!.client.room?.isHost === true,
    null,
    { timeout: TIMEOUT_MS },
  );
}

browserTest(
  "browser: the host leaves a kept-open room, closes one, and loses its tab",
  async (t) => {
    const harness = await startHarness({ env: { RESUME_GRACE_MS: String(RESUME_GRACE_MS) } });
    try {
      const pages = new WatchPages(harness, "real");

      await t.step(
        "Leave room, kept open: the host is out, the earliest joiner hosts",
        async () => {
          const ann = await pages.open({ name: "Ann" });
          await ann.click("#room-options summary");
          await ann.check("#room-handoff");
          const roomId = await pages.createRoom(ann, "Kept open");
          const bob = await pages.open({ name: "Bob", room: roomId });
          const cat = await pages.open({ name: "Cat", room: roomId });
          await ann.locator("#leave", { hasText: "Leave room" }).waitFor({ timeout: TIMEOUT_MS });
          await ann.click("#leave");
          await ann.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp!.client.room === null,
            null,
            { timeout: TIMEOUT_MS },
          );
          await ann.locator("#lobby").waitFor({ state: "visible", timeout: TIMEOUT_MS });
          await waitUntilHost(bob);
          await cat.locator(".message-note", { hasText: "Bob is the host now" })
            .waitFor({ timeout: TIMEOUT_MS });
          const catRoom = await roomOf(cat);
          assert.deepEqual(catRoom?.participants?.map((p) => p.name), ["Bob", "Cat"]);
          // Bob, the new host, plays: it works (no "You are not in this room" anywhere).
          await bob.evaluate(() => (globalThis as unknown as PageGlobals).owp!.video.play());
          await cat.waitForFunction(
            () => !(globalThis as unknown as PageGlobals).owp!.video.paused,
            null,
            { timeout: TIMEOUT_MS },
          );
          for (const [name, page] of [["Ann", ann], ["Bob", bob], ["Cat", cat]] as const) {
            assert.deepEqual(await errorsOf(page), [], name);
          }
          await snap(ann, "leave-kept-open-host");
          await snap(bob, "leave-kept-open-new-host");
          await Promise.all([ann, bob, cat].map((page) => page.close()));
        },
      );

      await t.step("Close room asks first; once confirmed, everyone is told", async () => {
        const dan = await pages.open({ name: "Dan" });
        const roomId = await pages.createRoom(dan, "Closing");
        const eve = await pages.open({ name: "Eve", room: roomId });
        await dan.locator("#leave", { hasText: "Close room" }).waitFor({ timeout: TIMEOUT_MS });
        await dan.click("#leave");
        await dan.locator("#close-dialog[open]").waitFor({ timeout: TIMEOUT_MS });
        assert.equal(
          await dan.textContent("#close-text"),
          "The other person watching goes back to the lobby.",
        );
        await snap(dan, "close-confirm");
        await dan.click("#close-cancel");
        assert.equal((await roomOf(dan))?.id, roomId, "cancel keeps the room");
        await dan.click("#leave");
        await dan.click("#close-confirm");
        await eve.locator("#notices .notice-text", {
          hasText: "The host left, so the room closed.",
        })
          .waitFor({ timeout: TIMEOUT_MS });
        assert.equal(await roomOf(dan), null);
        await Promise.all([dan, eve].map((page) => page.close()));
      });

      await t.step(
        "the host's tab closes: the room waits for it, says who hosts next",
        async () => {
          const fay = await pages.open({ name: "Fay" });
          const roomId = await pages.createRoom(fay, "Lost host");
          const gus = await pages.open({ name: "Gus", room: roomId });
          const hal = await pages.open({ name: "Hal", room: roomId });
          await fay.close();
          const line = /^Fay lost connection\. The room waits \d s for them, then (you|Gus) host/;
          await gus.locator("#host-away", { hasText: "Fay lost connection" })
            .waitFor({ timeout: TIMEOUT_MS });
          assert.match(await gus.textContent("#host-away") ?? "", line);
          assert.match(await gus.textContent("#host-away") ?? "", /then you host\.$/);
          assert.match(await hal.textContent("#host-away") ?? "", /then Gus hosts\.$/);
          await snap(hal, "host-away-member");
          await waitUntilHost(gus);
          await gus.locator("#notices .notice-text", { hasText: "Fay didn’t come back." })
            .waitFor({ timeout: TIMEOUT_MS });
          await hal.locator(".message-note", {
            hasText: "Fay didn’t come back. Gus is the host now",
          })
            .waitFor({ timeout: TIMEOUT_MS });
          assert.equal(await gus.isHidden("#host-away"), true);
          await snap(gus, "host-away-over");
          await Promise.all([gus, hal].map((page) => page.close()));
        },
      );
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
