/**
 * Room options after creation on the real watch page, in Chromium: the host locks a running
 * room from People → Room options, a new page opening its link is asked for the password (and
 * sees the Locked badge once in); then the host makes it unlisted, and another page's lobby
 * list no longer shows it. OWP_SCREENSHOTS=<dir> saves the options control at 1280x800 and
 * 390x844.
 */
import assert from "node:assert/strict";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  type PageGlobals,
  realPageAvailable,
  roomOf,
  waitForClient,
  waitForInputValue,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;

const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

browserTest(
  "browser: the host locks a running room (a new page is asked for the password), then unlists it (gone from another lobby)",
  async (t) => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });
      const roomId = await pages.createRoom(host, "Options night");
      const lou = await pages.open({ name: "Lou" });
      await lou.locator(`li[data-room-id="${roomId}"]`).waitFor({ timeout: TIMEOUT_MS });

      await t.step("the host locks the room from People → Room options", async () => {
        await host.click("#tab-people");
        await host.click("#live-options summary");
        assert.equal(await host.isVisible("#live-password"), false, "no field before ticking");
        await host.check("#live-lock");
        // Locking without a password says so, and sends nothing.
        await host.click("#live-lock-submit");
        await host.waitForSelector("#live-password-error:not([hidden])");
        await snap(host, "options-lock-password", { phone: true, focus: "#live-options" });
        assert.equal((await roomOf(host))?.locked, false);
        await host.fill("#live-password", "popcorn");
        await host.click("#live-lock-submit");
        await host.waitForFunction(
          () => (globalThis as unknown as PageGlobals).owp?.client.room?.locked === true,
          null,
          { timeout: TIMEOUT_MS },
        );
        await host.waitForSelector("#badge-locked:not([hidden])");
        assert.equal(await host.isChecked("#live-lock"), true);
        assert.equal(await host.isVisible("#live-password"), false, "the field is done");
        // Its invite link now carries a token that skips the password.
        await waitForInputValue(host, "#invite", "invite=", TIMEOUT_MS);
        // The lobby shows it locked.
        await lou.locator(`li[data-room-id="${roomId}"][data-locked="true"]`).waitFor({
          timeout: TIMEOUT_MS,
        });
      });

      const ann = await harness.newPage();
      await t.step("a new page opening the room's link is asked for the password", async () => {
        await ann.goto(pages.url({ name: "Ann", room: roomId }));
        await waitForClient(ann);
        await ann.waitForSelector("#password-dialog[open]", { timeout: TIMEOUT_MS });
        assert.equal(await roomOf(ann), null, "not in the room without it");
        await ann.fill("#join-password", "popcorn");
        await ann.click("#password-form [type=submit]");
        await ann.waitForFunction(
          (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
          roomId,
          { timeout: TIMEOUT_MS },
        );
        // A member sees the fact, not the host's controls.
        await ann.waitForSelector("#badge-locked:not([hidden])");
        assert.equal(await ann.isVisible("#live-options"), false);
      });

      await t.step(
        "the host unlists it: another page's lobby list no longer shows it",
        async () => {
          await host.check("#live-unlisted");
          await host.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp?.client.room?.unlisted === true,
            null,
            { timeout: TIMEOUT_MS },
          );
          await lou.locator(`li[data-room-id="${roomId}"]`).waitFor({
            state: "detached",
            timeout: TIMEOUT_MS,
          });
          await ann.waitForSelector("#badge-unlisted:not([hidden])");
          await snap(host, "options-host", { phone: true, focus: "#live-options" });
          await snap(ann, "options-member", { phone: true, focus: "#room-badges" });
        },
      );

      await t.step(
        "the host changes the password without unlocking: the old one fails, the new one works",
        async () => {
          assert.equal(await host.isVisible("#live-change-password"), true);
          await host.click("#live-change-password");
          assert.equal(await host.isVisible("#live-change-password"), false);
          assert.equal(await host.textContent("#live-lock-submit"), "Change");
          await host.fill("#live-password", "butter");
          await snap(host, "options-change-password", { phone: true, focus: "#live-options" });
          await host.click("#live-lock-submit");
          await host.waitForSelector("#live-password-field", { state: "hidden" });
          assert.equal(await host.isChecked("#live-lock"), true, "still locked");
          assert.equal((await roomOf(host))?.locked, true);
          const bea = await harness.newPage();
          await bea.goto(pages.url({ name: "Bea", room: roomId }));
          await waitForClient(bea);
          await bea.waitForSelector("#password-dialog[open]", { timeout: TIMEOUT_MS });
          await bea.fill("#join-password", "popcorn");
          await bea.click("#password-form [type=submit]");
          await bea.waitForSelector("#join-password-error:not([hidden])", { timeout: TIMEOUT_MS });
          assert.equal(await roomOf(bea), null, "the old password no longer opens it");
          await bea.fill("#join-password", "butter");
          await bea.click("#password-form [type=submit]");
          await bea.waitForFunction(
            (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
            roomId,
            { timeout: TIMEOUT_MS },
          );
        },
      );

      await t.step("keep-open and unlock from the same control", async () => {
        await host.check("#live-handoff");
        await host.uncheck("#live-lock");
        await host.waitForFunction(
          () => {
            const room = (globalThis as unknown as PageGlobals).owp?.client.room;
            return room?.handoff === true && room.locked === false;
          },
          null,
          { timeout: TIMEOUT_MS },
        );
        await ann.waitForSelector("#badge-locked", { state: "hidden" });
        assert.equal(await host.textContent("#leave"), "Leave room");
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
