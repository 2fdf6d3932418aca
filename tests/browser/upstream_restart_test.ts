/**
 * The upstream client across a server restart, in Chromium: a page running the upstream
 * client's rules (tests/browser/legacy_page.ts) as a member of a playing party hosted by our
 * page, beside one of our members; the server stopped as SIGTERM stops it and started again.
 *
 * - Rooms kept (DATA_DIR): the upstream member reconnects, sends `join_room` for its room as it
 *   always does, gets it back (as a new member: it knows no resume) and plays on with the host;
 *   its video stops only for the room's catch-up play (it seeks ahead to where the room will be
 *   and waits there, as its arithmetic does for any late joiner). Our pages pause not at all.
 * - Rooms not kept, as the original server: everyone hears the room closed and the upstream
 *   member's rejoin ends there. That is the most the upstream client gets from the original
 *   server; the first case is what this one gives it instead.
 *
 * The figures (time from the server back to the upstream member back in its room, its offset
 * from the host 2 s later) are printed for the notes.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DEFAULT_TIMINGS } from "../../protocol/limits.ts";
import { ROOM_CLOSE_REASONS } from "../../protocol/room_close.ts";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { type BrowserHarness, startHarness } from "../../tools/browser/harness.ts";
import { snap } from "../../tools/browser/screenshots.ts";
import {
  openUpstream,
  UPSTREAM_PAGE_HARNESS,
  upstreamState,
} from "../../tools/browser/upstream_page.ts";
import {
  judgeSync,
  type PageGlobals,
  realPageAvailable,
  recordTrouble,
  troubleSeen,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

const TIMEOUT_MS = 20_000;
/** The mixed-room tolerance: the upstream member has no drift correction of its own here. */
const UPSTREAM_TOLERANCE_S = 0.5;
const placeholder = realPageAvailable() ? false : "needs the real watch page (web/index.html)";

/** The longest a catch-up play may hold the upstream member: its schedule, and a margin. */
const CATCH_UP_STOP_MAX_MS = DEFAULT_TIMINGS.playScheduleMs + 300;

/** Paused samples (every 20 ms) as runs: samples further apart than 100 ms start a new one. */
function spans(samples: number[]): { fromMs: number; lengthMs: number }[] {
  const runs: { fromMs: number; toMs: number }[] = [];
  for (const at of samples) {
    const last = runs.at(-1);
    if (last && at - last.toMs <= 100) last.toMs = at;
    else runs.push({ fromMs: at, toMs: at });
  }
  return runs.map((run) => ({ fromMs: run.fromMs, lengthMs: run.toMs - run.fromMs }));
}

async function pausesOf(page: Page): Promise<number[]> {
  return (await troubleSeen(page)).pausedAt;
}

/** Hana hosts on our page with Ann; Uma runs the upstream client; all playing in step. */
async function playingParty(harness: BrowserHarness) {
  const pages = new WatchPages(harness, "real");
  const host = await pages.open({ name: "Hana" });
  const roomId = await pages.createRoom(host, "Mixed night");
  const ann = await pages.open({ name: "Ann", room: roomId });
  const uma = await openUpstream(harness, "Uma", { room: roomId });
  await waitForEveryoneReady(harness, roomId, 3);
  await host.evaluate(async () => {
    await (globalThis as unknown as PageGlobals).owp!.video.play().catch(() => {});
  });
  await waitForSync(host, [ann, uma], {
    playing: true,
    toleranceS: UPSTREAM_TOLERANCE_S,
    timeoutMs: TIMEOUT_MS,
  });
  return { roomId, host, ann, uma };
}

browserTest(
  "browser: the upstream client across a restart that keeps rooms: it rejoins its room and plays on",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "owp-upstream-data-" });
    const harness = await startHarness({ ...UPSTREAM_PAGE_HARNESS, env: { DATA_DIR: dataDir } });
    try {
      const { roomId, host, ann, uma } = await playingParty(harness);
      const before = await upstreamState(uma);
      for (const page of [host, ann, uma]) await recordTrouble(page);

      await harness.restartServer();
      const backAt = Date.now();
      const rejoined = await uma.waitForFunction(
        () => {
          const legacy = (globalThis as unknown as {
            legacy: { rejoins: { atMs: number }[] };
          }).legacy;
          return legacy.rejoins[0]?.atMs ?? null;
        },
        null,
        { timeout: TIMEOUT_MS },
      );
      const rejoinedAt = await rejoined.jsonValue() as number;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const verdict = await judgeSync(host, [ann, uma], {
        playing: true,
        toleranceS: UPSTREAM_TOLERANCE_S,
      });
      console.log(
        `upstream member back in its room ${Math.round(rejoinedAt - backAt)} ms after the ` +
          `server; 2 s later Ann ${(verdict.offsetsS[0]! * 1000).toFixed(1)} ms and Uma ${
            (verdict.offsetsS[1]! * 1000).toFixed(1)
          } ms from the host`,
      );
      assert.ok(verdict.ok, `2 s after the rejoin: ${verdict.why}`);

      const after = await upstreamState(uma);
      assert.equal(after.roomId, roomId, "back in the same room");
      assert.notEqual(after.clientId, before.clientId, "as a new member: it knows no resume");
      assert.deepEqual(after.closes.map((close) => close.code), [1012]);
      assert.deepEqual(after.notices, [], `the upstream page said ${after.notices.join(" | ")}`);
      for (const [name, page] of [["host", host], ["Ann", ann]] as const) {
        assert.deepEqual(await pausesOf(page), [], `${name}'s video paused`);
      }
      // The upstream member's one stop is the room's catch-up play for a member that says
      // ready while the room plays (protocol 5.2), scheduled PLAY_SCHEDULE_MS ahead: its
      // arithmetic seeks ahead to where the room will be and waits there. Nothing else stops it.
      const stops = spans(await pausesOf(uma));
      console.log(`upstream member stood still ${stops.map((s) => `${s.lengthMs} ms`)}`);
      assert.ok(stops.length <= 1, `it stopped ${stops.length} times`);
      for (const stop of stops) {
        assert.ok(stop.fromMs >= rejoinedAt, "it stood still only after it was back");
        assert.ok(stop.lengthMs <= CATCH_UP_STOP_MAX_MS, `for ${stop.lengthMs} ms`);
      }
      // The host still hosts, on its own page and in the room the upstream member sees.
      assert.equal(await host.evaluate("globalThis.owp.client.room.isHost"), true);
      assert.equal(after.isHost, false);
      await snap(host, "upstream-restart-host");
    } finally {
      await harness.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
  placeholder,
);

browserTest(
  "browser: the upstream client across a restart that keeps nothing (as the original server): its room is closed",
  async () => {
    const harness = await startHarness(UPSTREAM_PAGE_HARNESS);
    try {
      const { uma } = await playingParty(harness);
      await harness.restartServer();
      await uma.waitForFunction(
        () => {
          const legacy = (globalThis as unknown as { legacy: { closes: unknown[] } }).legacy;
          return legacy.closes.length > 0;
        },
        null,
        { timeout: TIMEOUT_MS },
      );
      const after = await upstreamState(uma);
      assert.equal(after.roomId, null, "in no room");
      assert.deepEqual(after.rejoins, [], "no rejoin: the room_closed before the close ended it");
      assert.equal(after.notices.length, 1, after.notices.join(" | "));
      assert.equal(after.notices[0], ROOM_CLOSE_REASONS.server_shutdown);
    } finally {
      await harness.close();
    }
  },
  placeholder,
);
