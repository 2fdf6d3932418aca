/**
 * A server restart that keeps its rooms (DATA_DIR), on the real watch page in Chromium: three
 * pages (one a phone) in a playing party, the server stopped and started again on the same
 * directory, in two ways:
 *
 * - as SIGTERM stops it (the server in this process, drained: it saves and closes with 1012);
 * - killed outright (SIGKILL: a main.ts process, no last save, no close frame), then a new
 *   process on the same port: what was saved before the kill brings the room back.
 *
 * Either way no page hears that its room closed, no video pauses, every page is back within
 * 50 ms of the host 2 s after the server is, no page says anything false (notices, status,
 * chat), and the chat of before is there, once, and for someone who joins after.
 */
import assert from "node:assert/strict";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { type BrowserHarness, startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  judgeSync,
  type PageGlobals,
  realPageAvailable,
  recordTrouble,
  troubleSeen,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";
import { type RunningMain, startMain } from "../helpers/main_process.ts";

const TIMEOUT_MS = 20_000;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

/** What no page may say once the server is back. */
const FALSE_MESSAGES = [/restarted/i, /closed/i, /no longer open/i, /not following/i];

/**
 * The party, the restart (`restart` resolves once the server is back), and everything the
 * header promises. `ws`: the server's socket when it is not the harness's own.
 */
async function partyAcrossRestart(
  harness: BrowserHarness,
  name: string,
  restart: () => Promise<void>,
  ws?: string,
): Promise<void> {
  const pages = new WatchPages(harness, "real");
  const host = await pages.open({ name: "Hana", ws });
  const roomId = await pages.createRoom(host, "Kept night");
  const ann = await pages.open({ name: "Ann", room: roomId, ws });
  const phone = await pages.open({ name: "Cat", room: roomId, ws });
  await phone.setViewportSize({ width: 390, height: 844 });
  const members = [ann, phone];
  await host.fill("#chat-text", "back in a minute");
  await host.click("#chat-form [type=submit]");
  await ann.locator(".message-text", { hasText: "back in a minute" }).waitFor();
  await host.evaluate(async () => {
    const video = (globalThis as unknown as PageGlobals).owp!.video;
    await video.play().catch(() => {});
  });
  const expect = { toleranceS: 0.05, timeoutMs: TIMEOUT_MS };
  await waitForSync(host, members, { ...expect, playing: true });
  for (const page of [host, ...members]) await recordTrouble(page);

  await restart();
  const backAt = Date.now();
  for (const page of [host, ...members]) {
    await page.waitForFunction(
      (id) => {
        const client = (globalThis as unknown as PageGlobals).owp!.client;
        return client.syncInfo.connection === "open" && client.room?.id === id;
      },
      roomId,
      { timeout: TIMEOUT_MS },
    );
  }
  const rejoinedMs = Date.now() - backAt;
  await waitForSync(host, members, { ...expect, playing: true });
  const wait = 2_000 - (Date.now() - backAt);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const verdict = await judgeSync(host, members, { playing: true, toleranceS: 0.05 });
  assert.ok(verdict.ok, `2 s after the restart: ${verdict.why}`);
  console.log(
    `${name}: every page in its room ${rejoinedMs} ms after the server was back; 2 s after, members ${
      verdict.offsetsS.map((s) => `${(s * 1000).toFixed(1)} ms`).join(", ")
    } from the host`,
  );
  for (const [i, page] of [host, ...members].entries()) {
    const seen = await troubleSeen(page);
    assert.deepEqual(seen.closedRooms, [], `page ${i} heard its room close`);
    assert.deepEqual(seen.pausedAt, [], `page ${i}'s video paused`);
    assert.equal(
      (await page.evaluate("globalThis.owp.client.room.isHost")) as boolean,
      i === 0,
    );
    // The chat shows the message of before once, and nobody lost connection for a restart.
    const said = await page.locator(".message-text", { hasText: "back in a minute" }).count();
    assert.equal(said, 1, `page ${i} shows the message ${said} times`);
    const notes = await page.locator("#chat-log .message-note").allTextContents();
    const flaps = notes.filter((note) => /lost connection|is back|^You joined/.test(note));
    assert.deepEqual(flaps, [], `page ${i}'s chat says ${flaps.join(" | ")}`);
    const texts = await page.locator("#notices .notice-text, #sync-status").allTextContents();
    const wrong = texts.filter((text) => FALSE_MESSAGES.some((p) => p.test(text)));
    assert.deepEqual(wrong, [], `page ${i} says ${wrong.join(" | ")}`);
  }
  await snap(phone, `${name}-phone`, { phone: true });
  // Someone joining after the restart gets the chat of before it.
  const late = await pages.open({ name: "Dan", room: roomId, ws });
  await late.locator(".message-text", { hasText: "back in a minute" }).waitFor({
    timeout: TIMEOUT_MS,
  });
}

browserTest(
  "browser: a restart that keeps rooms: no page hears the room close, no video pauses, all back in step",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "owp-browser-data-" });
    const harness = await startHarness({ env: { DATA_DIR: dataDir } });
    try {
      await partyAcrossRestart(harness, "restart-kept", () => harness.restartServer());
    } finally {
      await harness.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
  placeholder,
);

browserTest(
  "browser: a server killed outright (SIGKILL) that keeps rooms: what it saved brings every page back in step",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "owp-browser-kill-" });
    // The harness serves the pages; the session server is a main.ts process of its own.
    const harness = await startHarness();
    const env = { DATA_DIR: dataDir, ALLOWED_ORIGINS: harness.serverUrl, LOG_FORMAT: "json" };
    const permissions = ["--allow-net", "--allow-env", "--allow-read", `--allow-write=${dataDir}`];
    let server: RunningMain = await startMain(env, permissions);
    const port = server.port;
    const kill = async (process: RunningMain) => {
      try {
        process.child.kill("SIGKILL");
      } catch { /* gone already */ }
      await process.child.status;
      await process.finished;
    };
    try {
      await partyAcrossRestart(harness, "killed-kept", async () => {
        await kill(server);
        server = await startMain({ ...env, PORT: String(port) }, permissions);
      }, `ws://127.0.0.1:${port}/ws`);
      assert.ok(
        server.lines.some((line) => line.msg === "room restored"),
        "the new process restored the room",
      );
    } finally {
      await harness.close();
      await kill(server);
      await Deno.remove(dataDir, { recursive: true });
    }
  },
  placeholder,
);
