/**
 * The room features on the real watch page, in Chromium, as people use them: a locked room
 * (the lobby says so, the password dialog refuses a wrong password and admits the right one,
 * the host's invite link skips it), a play that waits for a member still loading (the bar
 * names them; "Start anyway" starts it), a co-host made from the People tab who then pauses
 * for everyone, the speed menu, and the host role handed over. Needs the real page.
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
  waitForClient,
  waitForInputValue,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;

const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

function videoOf(page: Page) {
  return page.evaluate(() => {
    const video = (globalThis as unknown as PageGlobals).owp!.video;
    return { paused: video.paused, position: video.currentTime, rate: video.playbackRate };
  });
}

browserTest(
  "browser: a locked room, a play that waits for a loading member, a co-host, the speed menu",
  async (t) => {
    // A play waits up to a minute here, so that only "Start anyway" can start it in time.
    const harness = await startHarness({ env: { MAX_READY_WAIT_MS: "60000" } });
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      let roomId = "";
      let inviteLink = "";

      await t.step("the host creates a locked room where co-hosts control too", async () => {
        await host.click("#room-options summary");
        await host.fill("#room-password", "popcorn");
        await host.selectOption("#room-control", "cohosts");
        roomId = await pages.createRoom(host, "Locked night");
        const room = await roomOf(host);
        assert.equal(room?.locked, true);
        assert.equal(room?.control, "cohosts");
        // The invite link carries a token that skips the password.
        await waitForInputValue(host, "#invite", "invite=", TIMEOUT_MS);
        inviteLink = await host.inputValue("#invite");
      });

      const ann = await pages.open({ name: "Ann" });
      await t.step(
        "the lobby shows it locked; a wrong password is refused, the right one admits",
        async () => {
          const item = ann.locator(`li[data-room-id="${roomId}"]`);
          await item.waitFor({ timeout: TIMEOUT_MS });
          assert.equal(await item.getAttribute("data-locked"), "true");
          assert.match(await item.locator(".room-meta").textContent() ?? "", /Locked/);
          await item.locator("button[data-join]").click();
          await ann.waitForSelector("#password-dialog[open]");
          await ann.fill("#join-password", "butter");
          await ann.click("#password-form [type=submit]");
          await ann.waitForSelector("#join-password-error:not([hidden])", { timeout: TIMEOUT_MS });
          await snap(ann, "features-1-wrong-password");
          assert.equal(await roomOf(ann), null, "not in the room");
          await ann.fill("#join-password", "popcorn");
          await ann.click("#password-form [type=submit]");
          await ann.waitForFunction(
            (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
            roomId,
            { timeout: TIMEOUT_MS },
          );
          assert.equal(await ann.locator("#password-dialog[open]").count(), 0, "the dialog closed");
        },
      );

      const bob = await harness.newPage();
      await t.step("the host's invite link lets someone in without the password", async () => {
        const url = new URL(inviteLink);
        url.searchParams.set("name", "Bob");
        await bob.goto(url.href);
        await waitForClient(bob);
        await bob.waitForFunction(
          (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
          roomId,
          { timeout: TIMEOUT_MS },
        );
      });

      // Cleo's video is held back: she is still loading when the host presses play.
      const cleo = await harness.newPage();
      let releaseVideo = () => {};
      const held = new Promise<void>((resolve) => releaseVideo = resolve);
      await cleo.route(`${harness.videoUrl}*`, async (route) => {
        await held;
        await route.continue();
      });
      await t.step("a play waits for a member still loading; Start anyway starts it", async () => {
        await cleo.goto(`${inviteLink.split("#")[0]}?name=Cleo#${inviteLink.split("#")[1]}`);
        await cleo.waitForFunction(
          (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
          roomId,
          { timeout: TIMEOUT_MS },
        );
        await host.evaluate(() => (globalThis as unknown as PageGlobals).owp!.video.play());
        await host.waitForSelector("#waiting:not([hidden])", { timeout: TIMEOUT_MS });
        assert.match(await host.textContent("#waiting-text") ?? "", /Waiting for Cleo \(loading\)/);
        assert.equal(await host.isVisible("#start-anyway"), true, "the host may start anyway");
        await host.click("#tab-people");
        await snap(host, "features-2-waiting-host");
        await host.click("#tab-chat");
        await ann.waitForSelector("#waiting:not([hidden])", { timeout: TIMEOUT_MS });
        await snap(ann, "features-3-waiting-viewer");
        assert.equal(await ann.isVisible("#start-anyway"), false, "a viewer may not");
        await host.click("#start-anyway");
        await host.waitForSelector("#waiting", { state: "hidden", timeout: TIMEOUT_MS });
        releaseVideo();
        await waitForSync(host, [ann, bob, cleo], {
          playing: true,
          toleranceS: 0.5,
          timeoutMs: TIMEOUT_MS,
        });
      });

      await t.step("the host makes Ann a co-host; her pause reaches everyone", async () => {
        const annId = await ann.evaluate(() =>
          (globalThis as unknown as PageGlobals).owp!.client.clientId
        );
        await host.click("#tab-people");
        await host.click(`li[data-participant-id="${annId}"] button[data-action=cohost]`);
        await ann.waitForFunction(
          () => (globalThis as unknown as PageGlobals).owp?.client.room?.canControl === true,
          null,
          { timeout: TIMEOUT_MS },
        );
        const controls = await ann.locator("#video").evaluate((video) =>
          (video as unknown as { controls: boolean }).controls
        );
        assert.equal(controls, true, "a co-host gets the player's controls");
        await ann.evaluate(() => (globalThis as unknown as PageGlobals).owp!.video.pause());
        await snap(host, "features-4-host-people-cohost");
        await waitForSync(ann, [host, bob, cleo], {
          playing: false,
          toleranceS: 0.2,
          timeoutMs: TIMEOUT_MS,
        });
      });

      await t.step("the co-host picks 1.5x: every player runs at 1.5x, in step", async () => {
        await ann.selectOption("#speed", "1.5");
        await ann.evaluate(() => (globalThis as unknown as PageGlobals).owp!.video.play());
        await waitForSync(ann, [host, bob, cleo], {
          playing: true,
          toleranceS: 0.5,
          timeoutMs: TIMEOUT_MS,
        });
        for (const page of [host, ann, bob, cleo]) {
          const roomRate = await page.evaluate(() =>
            (globalThis as unknown as PageGlobals).owp!.client.room?.playbackRate
          );
          assert.equal(roomRate, 1.5);
          // The player runs at the room's rate, give or take a drift correction (at most 10%:
          // a busy machine makes members correct).
          const { rate } = await videoOf(page);
          assert.ok(Math.abs(rate / 1.5 - 1) <= 0.1 + 1e-9, `rate ${rate}`);
        }
        assert.equal(await bob.textContent("#speed-shown"), "1.5× speed");
        await snap(ann, "features-5-cohost-speed");
        await snap(bob, "features-6-viewer-speed");
      });

      await t.step(
        "the host hands the room to Ann (Make host, confirmed); she is told",
        async () => {
          const annId = await ann.evaluate(() =>
            (globalThis as unknown as PageGlobals).owp!.client.clientId
          );
          host.once("dialog", (dialog) => dialog.accept());
          await host.click(`li[data-participant-id="${annId}"] button[data-action=host]`);
          await ann.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp?.client.room?.isHost === true,
            null,
            { timeout: TIMEOUT_MS },
          );
          await ann.locator(".notice", { hasText: "You’re the host now" }).waitFor();
          assert.match(await ann.textContent("#room-role") ?? "", /You’re hosting/);
          assert.match(await host.textContent("#room-role") ?? "", /Hosted by Ann/);
          await snap(ann, "features-7-new-host");
        },
      );
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
