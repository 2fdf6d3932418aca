/**
 * Broken video links on the real watch page, in Chromium. Before a room starts, the page checks
 * the link and, when it is broken, starts nothing and says what is wrong: not found, a web
 * page instead of a video, an unreachable server, a missing HLS playlist, an HLS stream on a
 * server without CORS headers (another origin), a link over the protocol's limit (refused, not
 * cut). "Create anyway" still starts the room. In a room, a member whose link breaks is told
 * why, the room is told `media_error`, and the host's play does not wait for that member.
 */
import assert from "node:assert/strict";
import type { Page, WebSocket as PwSocket } from "playwright-core";
import { MAX_MEDIA_URL_CHARS } from "../../protocol/limits.ts";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  type PageGlobals,
  realPageAvailable,
  roomOf,
  WatchPages,
} from "../../tools/browser/watch_page.ts";
import { MESSAGES } from "../../web/media_check.ts";

const TIMEOUT_MS = 15_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";
const PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n" +
  "#EXTINF:4.0,\nsegment0.ts\n#EXT-X-ENDLIST\n";

/** The broken links' server: a second origin, CORS headers only where a case says. */
function startBrokenServer() {
  const cors = { "access-control-allow-origin": "*" };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/gone/film.webm":
        return new Response("not found", {
          status: 404,
          headers: { ...cors, "content-type": "text/plain" },
        });
      case "/page/film.webm":
        return new Response("<!doctype html><title>Film</title><p>Watch our film!</p>", {
          headers: { ...cors, "content-type": "text/html; charset=utf-8" },
        });
      case "/nocors/index.m3u8":
        return new Response(PLAYLIST, {
          headers: { "content-type": "application/vnd.apple.mpegurl" },
        });
      default:
        return new Response("not found", {
          status: 404,
          headers: { ...cors, "content-type": "text/plain" },
        });
    }
  });
  return { origin: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Submits the create form on `url` and waits for the link's problem. */
async function submitBroken(page: Page, url: string): Promise<string> {
  await page.fill("#room-name", "Broken");
  await page.fill("#media-url", url);
  await page.click("#create-form [type=submit]");
  const error = page.locator("#media-url-error");
  await error.waitFor({ state: "visible", timeout: TIMEOUT_MS });
  return (await error.textContent()) ?? "";
}

browserTest(
  "browser: broken links: no room, each problem in words; in a room, no wait for a broken member",
  async (t) => {
    const harness = await startHarness();
    const broken = startBrokenServer();
    try {
      const pages = new WatchPages(harness, "real");
      const ann = await pages.open({ name: "Ann" });
      const pageOrigin = new URL(harness.serverUrl).origin;
      const cases = [
        ["not-found", `${broken.origin}/gone/film.webm`, MESSAGES.notFound(404)],
        ["not-video", `${broken.origin}/page/film.webm`, MESSAGES.notVideo("text/html")],
        ["unreachable", `http://127.0.0.1:${closedPort()}/film.webm`, MESSAGES.unreachable],
        ["hls-missing", `${broken.origin}/missing/index.m3u8`, MESSAGES.hlsMissing(404)],
        ["hls-cors", `${broken.origin}/nocors/index.m3u8`, MESSAGES.cors(pageOrigin)],
      ] as const;
      for (const [name, url, expected] of cases) {
        await t.step(`${name}: the page says so and creates no room`, async () => {
          assert.equal(await submitBroken(ann, url), expected);
          assert.equal(await ann.isVisible("#create-anyway"), true, "Create anyway is offered");
          assert.equal(await roomOf(ann), null);
          assert.equal(harness.server.registry.roomCount, 0, "no room on the server");
          assert.equal(await ann.isVisible("#lobby"), true);
          await snap(ann, `lobby-${name}`, { phone: true });
        });
      }

      await t.step("a link over the limit is refused whole, not cut", async () => {
        const base = `${broken.origin}/film.webm?q=`;
        const long = base + "x".repeat(MAX_MEDIA_URL_CHARS + 52 - base.length);
        const message = await submitBroken(ann, long);
        assert.equal(
          (await ann.inputValue("#media-url")).length,
          MAX_MEDIA_URL_CHARS + 52,
          "the field keeps every character",
        );
        assert.equal(
          message,
          "That link is too long: 2,100 characters, and a room takes 2,048 at most. Use a shorter link to the video.",
        );
        assert.equal(await ann.isVisible("#create-anyway"), false, "no way to create anyway");
        assert.equal(harness.server.registry.roomCount, 0);
        await snap(ann, "lobby-too-long", { phone: true });
      });

      await t.step(
        "Create anyway starts the room; the host's player says why it fails",
        async () => {
          const url = `${broken.origin}/nocors/index.m3u8`;
          assert.equal(await submitBroken(ann, url), MESSAGES.cors(pageOrigin));
          await ann.click("#create-anyway");
          await ann.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp!.client.room?.isHost === true,
            null,
            { timeout: TIMEOUT_MS },
          );
          assert.equal(harness.server.registry.roomCount, 1);
          const text = ann.locator("#media-problem-text", { hasText: "blocked by CORS" });
          await text.waitFor({ timeout: TIMEOUT_MS });
          assert.equal(await text.textContent(), MESSAGES.cors(pageOrigin));
          const sync = ann.locator("#sync-status");
          assert.notEqual(
            await sync.getAttribute("data-tone"),
            "ok",
            "the host's status is not green",
          );
          assert.match(await sync.textContent() ?? "", /^Can’t load the video here/);
          await snap(ann, "room-host-cors", { phone: true });
          await ann.close();
        },
      );

      await t.step(
        "a member's link breaks in the room: no wait for it, and it is told",
        async () => {
          const frames: { at: number; type: string; waiting?: number }[] = [];
          const host = await pages.open({
            name: "Hal",
            beforeLoad: (page) =>
              Promise.resolve(page.on("websocket", (socket: PwSocket) => {
                socket.on("framereceived", ({ payload }) => {
                  const message = JSON.parse(String(payload));
                  frames.push({
                    at: Date.now(),
                    type: message.type,
                    waiting: message.payload?.waiting?.length,
                  });
                });
              })),
          });
          const roomId = await pages.createRoom(host, "Film night");
          // Mia's browser gets a 404 for the room's video: her link is broken, Hal's is not.
          const mia = await pages.open({
            name: "Mia",
            room: roomId,
            beforeLoad: (page) =>
              page.route(harness.videoUrl, (route) =>
                route.fulfill({
                  status: 404,
                  body: "gone",
                  headers: { "access-control-allow-origin": "*", "content-type": "text/plain" },
                })),
          });
          const problem = mia.locator("#media-problem-text", { hasText: "Nothing was found" });
          await problem.waitFor({ timeout: TIMEOUT_MS });
          assert.equal(await problem.textContent(), MESSAGES.notFound(404));
          assert.match(await mia.textContent("#sync-status") ?? "", /^Can’t load the video/);
          const miaItem = host.locator('#participants li[data-readiness="media_error"]');
          await miaItem.waitFor({ state: "attached", timeout: TIMEOUT_MS });
          assert.match(await miaItem.textContent() ?? "", /Mia.*Can’t load the video/);
          await host.waitForFunction(
            () => (globalThis as unknown as PageGlobals).owp!.video.readyState >= 3,
            null,
            { timeout: TIMEOUT_MS },
          );
          const pressed = Date.now();
          await host.evaluate(() =>
            (globalThis as unknown as PageGlobals).owp!.video.play().catch(() => {})
          );
          await host.waitForFunction(
            () => !(globalThis as unknown as PageGlobals).owp!.video.paused,
            null,
            { timeout: TIMEOUT_MS },
          );
          const deadline = Date.now() + 5_000;
          while (!frames.some((f) => f.type === "player_event" && f.at >= pressed)) {
            assert.ok(Date.now() < deadline, "the play came back to the host");
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          const play = frames.find((f) => f.type === "player_event" && f.at >= pressed)!;
          assert.ok(play.at - pressed < 1_000, `play held ${play.at - pressed} ms`);
          assert.deepEqual(
            frames.filter((f) => f.type === "waiting_on" && (f.waiting ?? 0) > 0),
            [],
            "the play never waited",
          );
          await snap(mia, "room-member-not-found", { phone: true });
          await host.click("#tab-people");
          assert.equal(await miaItem.isVisible(), true);
          await snap(host, "room-host-sees-member", { phone: true });

          // The link works again: Try again goes back to loading, then ready.
          await mia.unroute(harness.videoUrl);
          await mia.click("#retry-media");
          assert.equal(await mia.isVisible("#media-problem"), false);
          await host.locator('#participants li[data-readiness="ready"]', { hasText: "Mia" })
            .waitFor({ state: "attached", timeout: TIMEOUT_MS });
          await Promise.all([host, mia].map((page) => page.close()));
        },
      );
    } finally {
      await broken.close();
      await harness.close();
    }
  },
  placeholder,
);
