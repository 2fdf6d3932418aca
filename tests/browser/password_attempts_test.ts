/**
 * Too many wrong passwords, on the real watch page in Chromium: Hana hosts a locked room and Ann
 * is in it with the right password; Cat (on the same address) guesses wrong until the address's
 * budget is spent. Her dialog then says to wait a minute (the page switches on the error's own
 * code, `password_attempts`), she is in no room, and the two in the room notice nothing.
 */
import assert from "node:assert/strict";
import { PASSWORD_ATTEMPTS_PER_MINUTE } from "../../protocol/mod.ts";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import { type PageGlobals, realPageAvailable, WatchPages } from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

browserTest(
  "browser: too many wrong passwords: the dialog says to wait, the room goes on undisturbed",
  async () => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      await host.click("#room-options summary");
      await host.fill("#room-password", "popcorn");
      const roomId = await pages.createRoom(host, "Locked night");

      const guess = async (page: typeof host, password: string) => {
        await page.fill("#join-password", password);
        await page.click("#password-form [type=submit]");
      };
      /** A person in the lobby asks to join the locked room: the password dialog opens. */
      const knock = async (name: string) => {
        const page = await pages.open({ name });
        const item = page.locator(`li[data-room-id="${roomId}"]`);
        await item.waitFor({ timeout: TIMEOUT_MS });
        await item.locator("button[data-join]").click();
        await page.waitForSelector("#password-dialog[open]", { timeout: TIMEOUT_MS });
        return page;
      };
      const ann = await knock("Ann");
      await guess(ann, "popcorn");
      await ann.waitForFunction(
        (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
        roomId,
        { timeout: TIMEOUT_MS },
      );
      await snap(host, "password-attempts-1-host-with-ann");
      await snap(ann, "password-attempts-2-ann-in-room");

      const cat = await knock("Cat");
      const error = cat.locator("#join-password-error");
      // Every wrong guess is answered (counted in the page) before the next; the one after the
      // last that the budget allows is refused before any check, the right password included.
      await cat.evaluate(() => {
        const globals = globalThis as unknown as {
          errorsSeen: number;
          owp: { client: { on(event: "error", listener: () => void): void } };
        };
        globals.errorsSeen = 0;
        globals.owp.client.on("error", () => globals.errorsSeen++);
      });
      for (let i = 1; i <= PASSWORD_ATTEMPTS_PER_MINUTE; i++) {
        await guess(cat, `butter ${i}`);
        await cat.waitForFunction(
          (n) => (globalThis as unknown as { errorsSeen: number }).errorsSeen >= n,
          i,
          { timeout: TIMEOUT_MS },
        );
        assert.match(await error.textContent() ?? "", /not right/);
      }
      await guess(cat, "popcorn");
      await cat.locator("#join-password-error", { hasText: /Too many wrong passwords/ })
        .waitFor({ timeout: TIMEOUT_MS });
      assert.match(await error.textContent() ?? "", /Wait a minute/);
      assert.equal(
        await cat.evaluate(() => (globalThis as unknown as PageGlobals).owp?.client.room ?? null),
        null,
        "Cat is in no room",
      );
      await snap(cat, "password-attempts-3-cat-told-to-wait");
      // Nobody in the room heard a thing.
      for (const page of [host, ann]) {
        const notices = await page.locator("#notices .notice-text").allTextContents();
        assert.deepEqual(notices.filter((text) => /password/i.test(text)), []);
      }
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
