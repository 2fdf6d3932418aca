/**
 * A server restart in the middle of a party, on the real watch page: every page says the
 * server restarted (the room_closed code "server_shutdown", never the host-left texts), the
 * pages reconnect on their own, and the create form holds the room's link and name, so the
 * host starts it again with one click.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { type PageGlobals, realPageAvailable, WatchPages } from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";
const SCREENSHOTS = Deno.env.get("OWP_SCREENSHOTS");

function noticesOf(page: Page): Promise<string[]> {
  return page.locator("#notices .notice-text").allTextContents();
}

function clientIdOf(page: Page): Promise<string | null> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).owp!.client.clientId);
}

/**
 * Until the page is connected to the new server under a new id: its resume was refused (the
 * new server knows no session), so whatever the reconnect brings has been said.
 */
async function backInLobby(page: Page, oldId: string | null): Promise<void> {
  await page.waitForFunction(
    (old) => {
      const client = (globalThis as unknown as PageGlobals).owp!.client;
      return client.syncInfo.connection === "open" && client.room === null &&
        client.clientId !== null && client.clientId !== old;
    },
    oldId,
    { timeout: TIMEOUT_MS },
  );
}

browserTest(
  "browser: a server restart mid-party: every page tells it truly, the form keeps the link",
  async () => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const ann = await pages.open({ name: "Ann" });
      const roomId = await pages.createRoom(ann, "Friday film");
      const bob = await pages.open({ name: "Bob", room: roomId });
      const phone = await pages.open({ name: "Cat", room: roomId });
      await phone.setViewportSize({ width: 390, height: 844 });

      const ids = await Promise.all([ann, bob, phone].map(clientIdOf));
      await harness.restartServer();

      const everyone = [["host", ann], ["member", bob], ["phone", phone]] as const;
      for (const [index, [name, page]] of everyone.entries()) {
        await page.locator("#notices .notice-text", { hasText: "The server restarted" })
          .waitFor({ timeout: TIMEOUT_MS });
        await backInLobby(page, ids[index]!);
        // What the reconnect found (a refused resume) adds no other text.
        const texts = await noticesOf(page);
        assert.deepEqual(
          texts,
          [
            "The server restarted and did not keep its rooms. " +
            "Start it again: the form below has its link.",
          ],
          `${name}: ${JSON.stringify(texts)}`,
        );
        assert.equal(await page.inputValue("#media-url"), harness.videoUrl, name);
        assert.equal(await page.inputValue("#room-name"), "Friday film", name);
        if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/restart-${name}.png` });
      }

      // The host starts it again as the form stands.
      await ann.locator("#create-form [type=submit]").first().click();
      const again = await ann.waitForFunction(
        () => {
          const room = (globalThis as unknown as PageGlobals).owp!.client.room;
          return room?.isHost ? { name: room.name, mediaUrl: room.mediaUrl } : null;
        },
        null,
        { timeout: TIMEOUT_MS },
      );
      assert.deepEqual(await again.jsonValue(), {
        name: "Friday film",
        mediaUrl: harness.videoUrl,
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
