/**
 * axe-core on the real watch page, in Chromium: the lobby (its room options open too), the
 * room view as host and as member, the host's People tab with its buttons, Up next with a
 * queue (the host's controls and the member's list), the room and the lobby at 390 px, and a
 * locked room's password dialog have no serious or critical violations. Needs the real page: skipped while
 * web/index.html is the placeholder (no #create-form).
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { type PageGlobals, realPageAvailable, WatchPages } from "../../tools/browser/watch_page.ts";

/** A phone's viewport: every state is also checked at this width. */
const PHONE = { width: 390, height: 844 };

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** axe's serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  // page.evaluate runs outside the page's Content-Security-Policy, which forbids inline scripts.
  await page.evaluate(axe.source);
  return await page.evaluate(async () => {
    const { axe } = globalThis as unknown as {
      axe: {
        run(options: object): Promise<{
          violations: {
            id: string;
            impact?: string | null;
            help: string;
            nodes: { target: unknown[] }[];
          }[];
        }>;
      };
    };
    const results = await axe.run({ resultTypes: ["violations"] });
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        targets: v.nodes.map((node) => node.target.join(" ")),
      }));
  });
}

function describe(violations: Violation[]): string {
  return violations.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.targets.join(", ")}`)
    .join("\n");
}

const placeholder = realPageAvailable()
  ? false
  : "web/index.html is still the placeholder (no #create-form): this check needs the real page";

browserTest(
  "browser: axe finds no serious or critical violations in the lobby, the room view and the dialog",
  async (t) => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness, "real");
      const host = await pages.open({ name: "Hana" });

      await t.step("the lobby", async () => {
        const violations = await seriousViolations(host);
        assert.equal(violations.length, 0, describe(violations));
      });

      await t.step("the lobby with the room options open", async () => {
        await host.click("#room-options summary");
        const violations = await seriousViolations(host);
        assert.equal(violations.length, 0, describe(violations));
      });

      await host.selectOption("#room-control", "cohosts");
      const roomId = await pages.createRoom(host, "Film night");
      await host.locator("#room").waitFor({ state: "visible" });

      await t.step("the room view, as host", async () => {
        const violations = await seriousViolations(host);
        assert.equal(violations.length, 0, describe(violations));
      });

      const member = await pages.open({ name: "Ann", room: roomId });
      await member.locator("#room").waitFor({ state: "visible" });
      await member.locator("#video").waitFor({ state: "visible" });

      await t.step("the room view, as member", async () => {
        const violations = await seriousViolations(member);
        assert.equal(violations.length, 0, describe(violations));
      });

      await t.step("the host's People tab, with a member's co-host and host buttons", async () => {
        await host.click("#tab-people");
        await host.locator("button[data-action=cohost]").waitFor();
        const violations = await seriousViolations(host);
        assert.equal(violations.length, 0, describe(violations));
      });

      await t.step("Up next with a queue: the host's controls, and the member's list", async () => {
        await host.evaluate((url) => {
          const { client } = (globalThis as unknown as PageGlobals).owp!;
          client.queueAdd({ mediaUrl: `${url}?episode=2`, title: "Episode 2" });
          client.queueAdd({ mediaUrl: `${url}?episode=3` });
        }, harness.videoUrl);
        await host.click("#tab-queue");
        await host.locator("#queue-list .queue-item").nth(1).waitFor();
        let violations = await seriousViolations(host);
        assert.equal(violations.length, 0, describe(violations));
        await member.click("#tab-queue");
        await member.locator("#queue-list .queue-item").nth(1).waitFor();
        violations = await seriousViolations(member);
        assert.equal(violations.length, 0, describe(violations));
      });

      await t.step(
        "at 390 px: the room as member (its timeline) and as host, the lobby",
        async () => {
          for (const page of [member, host]) {
            await page.setViewportSize(PHONE);
            const violations = await seriousViolations(page);
            assert.equal(violations.length, 0, describe(violations));
          }
          const lobby = await pages.open({ name: "Pia" });
          await lobby.setViewportSize(PHONE);
          await lobby.click("#room-options summary");
          const violations = await seriousViolations(lobby);
          assert.equal(violations.length, 0, describe(violations));
        },
      );

      await t.step("the password dialog of a locked room", async () => {
        const locked = await pages.open({ name: "Lia" });
        await locked.click("#room-options summary");
        await locked.fill("#room-password", "secret");
        await pages.createRoom(locked, "Locked");
        const guest = await pages.open({ name: "Gus" });
        await guest.locator("li[data-locked=true] button[data-join]").click();
        await guest.locator("#password-dialog[open]").waitFor();
        const violations = await seriousViolations(guest);
        assert.equal(violations.length, 0, describe(violations));
      });
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
