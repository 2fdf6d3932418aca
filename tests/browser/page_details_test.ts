/**
 * The watch page's small faults (issue 20 item 8), one step each, on the real page in
 * Chromium: long names stay inside their boxes, two tabs of one name are told apart, the chat
 * box counts as the server does (code points), Start anyway is in view while a play waits,
 * the video has a name, the developer readouts sit behind "Details", and notices float over
 * the page instead of pushing it down (info ones go by themselves, errors stay).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import { type PageGlobals, realPageAvailable, WatchPages } from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 15_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";
/** Long enough for the button to be pressed by a person (and by the test). */
const READY_WAIT_MS = 8_000;
/** Names without spaces, far past what fits (the server keeps up to 100 characters). */
const LONG_NAME = "Maximilianus" + "X".repeat(48);
const GUEST_NAME = "Zed" + "z".repeat(57);
const LONG_ROOM = "Saturday-night-double-feature-with-everyone-from-the-old-flat-" +
  "and-their-cousins-too";

type Owp = NonNullable<PageGlobals["owp"]> & {
  client: { sendChat(text: string): boolean; transferHost(id: string): void };
};

/** The little of the DOM the page-side callbacks use (the tests type-check without lib.dom). */
interface PageEl {
  getBoundingClientRect(): { top: number; left: number; right: number; height: number };
  closest(selector: string): PageEl | null;
  checkVisibility(): boolean;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly title: string;
}
interface PageWindow {
  document: {
    querySelectorAll(selector: string): Iterable<PageEl>;
    querySelector(selector: string): PageEl | null;
    documentElement: PageEl;
  };
  getComputedStyle(element: PageEl): { overflowX: string; lineHeight: string };
}

/** Every element of `selector` that sticks out of `container` (or of itself), as text. */
function overflows(page: Page, selector: string, container: string): Promise<string[]> {
  return page.evaluate(([selector, container]) => {
    const doc = (globalThis as unknown as PageWindow).document;
    const out: string[] = [];
    for (const element of doc.querySelectorAll(selector)) {
      if (!element.checkVisibility()) continue;
      const box = element.getBoundingClientRect();
      const outer = element.closest(container)!.getBoundingClientRect();
      if (box.right > outer.right + 1 || box.left < outer.left - 1) {
        out.push(`${selector} sticks out of ${container}: ${box.right} > ${outer.right}`);
      }
      // Clipped on purpose (an ellipsis) is fine; spilling out is not.
      const clipped =
        (globalThis as unknown as PageWindow).getComputedStyle(element).overflowX === "hidden";
      if (!clipped && element.scrollWidth > element.clientWidth + 1) {
        out.push(`${selector} overflows itself: ${element.scrollWidth} > ${element.clientWidth}`);
      }
    }
    const root = doc.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      out.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    }
    return out;
  }, [selector, container] as const);
}

async function roomGeometry(page: Page): Promise<{ video: number; status: number }> {
  return await page.evaluate(() => {
    const doc = (globalThis as unknown as PageWindow).document;
    return {
      video: doc.querySelector("#video")!.getBoundingClientRect().top,
      status: doc.querySelector(".status-line")!.getBoundingClientRect().top,
    };
  });
}

browserTest("browser: the watch page's small faults", async (t) => {
  const harness = await startHarness({ env: { MAX_READY_WAIT_MS: String(READY_WAIT_MS) } });
  try {
    const pages = new WatchPages(harness, "real");
    const host = await pages.open({ name: LONG_NAME });
    const roomId = await pages.createRoom(host, LONG_ROOM);
    const guest = await pages.open({ name: GUEST_NAME, room: roomId });

    await t.step("a: long names and a long room name stay inside, at 1280 and 390 px", async () => {
      await host.locator(".message-note", { hasText: "joined" }).waitFor({ timeout: TIMEOUT_MS });
      for (const [width, height] of [[1280, 800], [390, 844]] as const) {
        await host.setViewportSize({ width, height });
        await host.click("#tab-chat");
        const problems = await overflows(host, ".message-note", "#chat-log");
        await snap(host, `long-names-chat-${width}`);
        await host.click("#tab-people");
        problems.push(...await overflows(host, ".person", "#participants"));
        problems.push(...await overflows(host, ".person-label", ".person-name"));
        problems.push(...await overflows(host, "#room-title", ".room-heading"));
        // The title: two lines at most, the whole name in its title.
        const title = await host.evaluate(() => {
          const doc = (globalThis as unknown as PageWindow).document;
          const h1 = doc.querySelector("#room-title")!;
          const line = parseFloat(
            (globalThis as unknown as PageWindow).getComputedStyle(h1).lineHeight,
          );
          return { lines: Math.round(h1.getBoundingClientRect().height / line), tip: h1.title };
        });
        if (title.lines > 2) problems.push(`the title takes ${title.lines} lines at ${width} px`);
        assert.equal(title.tip, LONG_ROOM);
        await snap(host, `long-names-people-${width}`);
        assert.deepEqual(problems, [], `at ${width} px`);
      }
      await host.click("#tab-chat");
      await host.setViewportSize({ width: 1280, height: 800 });
    });

    await t.step("b: two tabs of one name are told apart in the people list", async () => {
      const other = await pages.open({ name: LONG_NAME, room: roomId });
      const shown = async (page: Page) => {
        await page.click("#tab-people");
        await page.locator("#participants .person").nth(2).waitFor({ timeout: TIMEOUT_MS });
        return await page.locator("#participants .person").evaluateAll((items) =>
          items.map((item) =>
            [...item.querySelectorAll(".person-label, .person-ordinal")]
              .map((part) => part.textContent).join(" ")
          )
        );
      };
      const seenByHost = await shown(host);
      assert.deepEqual(seenByHost, [LONG_NAME, GUEST_NAME, `${LONG_NAME} (2)`]);
      // Each tab knows which of the two it is.
      assert.equal(
        await other.locator(".person", { hasText: "(2)" }).locator(".tag-you").textContent(),
        "you · this tab",
      );
      assert.equal(
        await host.locator(".person").first().locator(".tag-you").textContent(),
        "you · this tab",
      );
      await snap(host, "same-name-people");
      await other.close();
      await host.click("#tab-chat");
    });

    await t.step("c: the chat box takes the server's 500 code points, emoji too", async () => {
      await guest.click("#chat-text");
      await guest.keyboard.insertText("😀".repeat(499));
      assert.equal(await guest.isVisible("#chat-counter"), true, "a counter near the limit");
      assert.equal(await guest.textContent("#chat-counter"), "499 / 500");
      await guest.keyboard.insertText("🎬🎬🎬");
      const value = await guest.inputValue("#chat-text");
      assert.equal(Array.from(value).length, 500, "cut at 500 code points");
      assert.equal(await guest.textContent("#chat-counter"), "500 / 500");
      await guest.keyboard.press("Enter");
      const received = host.locator(".message-text", { hasText: "🎬" });
      await received.waitFor({ timeout: TIMEOUT_MS });
      assert.equal(Array.from(await received.textContent() ?? "").length, 500);
      assert.equal(await guest.inputValue("#chat-text"), "");
    });

    await t.step("d: Start anyway is in view while a play waits, and nothing moves", async () => {
      await host.setViewportSize({ width: 390, height: 844 });
      let release = () => {};
      const held = new Promise<void>((resolve) => release = resolve);
      const late = await harness.newPage();
      await late.route(`${harness.videoUrl}*`, async (route) => {
        await held;
        await route.continue();
      });
      await late.goto(pages.url({ name: "Late", room: roomId }));
      await late.waitForFunction(
        (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
        roomId,
        { timeout: TIMEOUT_MS },
      );
      const before = await roomGeometry(host);
      await host.evaluate(() => (globalThis as unknown as PageGlobals).owp!.video.play());
      const button = host.locator("#start-anyway");
      await button.waitFor({ state: "visible", timeout: TIMEOUT_MS });
      // Over the video (so in full screen too), in the viewport, the page not pushed down.
      assert.equal(await host.locator("#stage #start-anyway").count(), 1);
      const box = (await button.boundingBox())!;
      assert.ok(box.y >= 0 && box.y + box.height <= 844, `in view: ${JSON.stringify(box)}`);
      assert.deepEqual(await roomGeometry(host), before, "the video and status line stay put");
      await snap(host, "waiting-390");
      await button.focus();
      await host.keyboard.press("Enter");
      await host.locator("#waiting").waitFor({ state: "hidden", timeout: 3_000 });
      release();
      await late.close();
      await host.setViewportSize({ width: 1280, height: 800 });
    });

    await t.step("e: the video has an accessible name", async () => {
      assert.equal(await host.getAttribute("#video", "aria-label"), `Video: ${LONG_ROOM}`);
      assert.equal(await guest.getAttribute("#video", "aria-label"), `Video: ${LONG_ROOM}`);
    });

    await t.step("f: the readouts are behind Details, closed at first, remembered", async () => {
      await guest.waitForFunction(
        () => {
          const owp = (globalThis as unknown as PageGlobals).owp!;
          return !owp.video.paused && owp.client.syncInfo.follow === "following";
        },
        null,
        { timeout: TIMEOUT_MS },
      );
      await guest.locator("#sync-status", { hasText: /^In sync$|^Catching up/ })
        .waitFor({ timeout: TIMEOUT_MS });
      assert.equal(await guest.isVisible("#clock-status"), false, "clock hidden by default");
      assert.equal(await guest.isVisible("#drift-status"), false, "drift hidden by default");
      assert.doesNotMatch(await guest.textContent("#sync-status") ?? "", /ms|×|rate|drift/i);
      await snap(guest, "details-closed-1280");
      const summary = guest.locator("#sync-details > summary");
      assert.equal(await summary.textContent(), "Details");
      await summary.click();
      await guest.locator("#drift-status", { hasText: /rate \d\.\d\d×/ })
        .waitFor({ timeout: TIMEOUT_MS });
      assert.match(await guest.textContent("#clock-status") ?? "", /Clock/);
      await snap(guest, "details-open-1280");
      await guest.setViewportSize({ width: 390, height: 844 });
      await snap(guest, "details-open-390");
      await pages.reload(guest, roomId);
      assert.equal(await guest.locator("#sync-details").getAttribute("open"), "", "remembered");
      await summary.click();
      await snap(guest, "details-closed-390");
      await pages.reload(guest, roomId);
      assert.equal(await guest.locator("#sync-details").getAttribute("open"), null, "closed again");
      await guest.setViewportSize({ width: 1280, height: 800 });
    });

    await t.step("g: notices float over the page; info goes by itself, errors stay", async () => {
      const before = await roomGeometry(guest);
      // Too long for the server: an error notice.
      await guest.evaluate(
        (text) => (globalThis as unknown as { owp: Owp }).owp.client.sendChat(text),
        "x".repeat(600),
      );
      const error = guest.locator('#notices .notice[data-tone="error"]');
      await error.waitFor({ timeout: TIMEOUT_MS });
      assert.deepEqual(await roomGeometry(guest), before, "an error notice moves nothing");
      // The host hands over: "You're the host now" is an info notice.
      const guestId = await guest.evaluate(() =>
        (globalThis as unknown as { owp: Owp }).owp.client.clientId
      );
      await host.evaluate(
        (id) => (globalThis as unknown as { owp: Owp }).owp.client.transferHost(id!),
        guestId,
      );
      const info = guest.locator('#notices .notice[data-tone="info"]');
      await info.waitFor({ timeout: TIMEOUT_MS });
      // (The new host has no member controls under the video: only the video must stay put.)
      assert.equal((await roomGeometry(guest)).video, before.video, "an info notice moves nothing");
      assert.equal(await guest.getAttribute("#notices", "aria-live"), "polite");
      await snap(guest, "notice-1280");
      await guest.setViewportSize({ width: 390, height: 844 });
      await snap(guest, "notice-390");
      await guest.mouse.move(0, 0);
      await info.waitFor({ state: "detached", timeout: 12_000 });
      assert.equal(await error.count(), 1, "the error stays until dismissed");
      await error.locator(".notice-dismiss").click();
      assert.equal(await error.count(), 0);
    });

    await Promise.all([host.close(), guest.close()]);
  } finally {
    await harness.close();
  }
}, placeholder);
