/**
 * The real server and the real client in Chromium: three pages in one room (the real watch page
 * once it exists, the harness's test page until then) follow the host through play, pause, a
 * seek while paused, a seek while playing, a member joining late and a member reloading (its
 * session taken back: the same id, never a leave and a join). Each
 * time every member must be playing or paused like the host and within 0.5 s of it, read on the
 * one machine clock all pages share and polled until a deadline.
 */
import assert from "node:assert/strict";
import { browserTest } from "../../tools/browser/browser_test.ts";
import { startHarness } from "../../tools/browser/harness.ts";
import {
  type PageGlobals,
  playerDoes,
  readPlayback,
  waitForEveryoneReady,
  waitForSync,
  WatchPages,
} from "../../tools/browser/watch_page.ts";

/** Generous: a member half a second off is plainly out of step; this is not the benchmark. */
const TOLERANCE_S = 0.5;
const TIMEOUT_MS = 15_000;

browserTest(
  "browser: three pages follow the host through play, pause, seeks, a late join and a reload",
  async (t) => {
    const harness = await startHarness();
    try {
      const pages = new WatchPages(harness);
      const host = await pages.open({ name: "Hana" });
      const roomId = await pages.createRoom(host, "Film night");
      const ann = await pages.open({ name: "Ann", room: roomId });
      const bob = await pages.open({ name: "Bob", room: roomId });
      const members = [ann, bob];
      await waitForEveryoneReady(harness, roomId, 3);
      const playing = { playing: true, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };
      const paused = { playing: false, toleranceS: TOLERANCE_S, timeoutMs: TIMEOUT_MS };

      await t.step(`page: ${pages.kind}`, () => {});

      await t.step("the host plays: everyone plays with it", async () => {
        await playerDoes(host, "play");
        await waitForSync(host, members, playing);
      });

      await t.step("the host pauses: everyone pauses where it did", async () => {
        await playerDoes(host, "pause");
        await waitForSync(host, members, paused);
      });

      await t.step("the host seeks while paused: everyone waits at the new place", async () => {
        await playerDoes(host, 20);
        await waitForSync(host, members, { ...paused, near: 20 });
      });

      await t.step("the host plays again: everyone starts from there", async () => {
        await playerDoes(host, "play");
        const verdict = await waitForSync(host, members, playing);
        assert.ok(verdict.readings[0]!.position >= 20, "the host played on from 20 s");
      });

      await t.step("the host seeks while playing: everyone jumps and plays on", async () => {
        await playerDoes(host, 5);
        const verdict = await waitForSync(host, members, playing);
        assert.ok(verdict.readings[0]!.position < 15, "the host is back near 5 s");
      });

      const cleo = await pages.open({ name: "Cleo", room: roomId });
      members.push(cleo);
      await t.step("a member joins late: it starts where the room is", async () => {
        await waitForSync(host, members, playing);
      });

      await t.step("a member reloads: it is back in the room, in step", async () => {
        const before = await ann.evaluate(() =>
          (globalThis as unknown as PageGlobals).owp!.client.clientId
        );
        await pages.reload(ann, roomId);
        const after = await ann.evaluate(() =>
          (globalThis as unknown as PageGlobals).owp!.client.clientId
        );
        // The watch page keeps its session ticket in the tab: a reload takes the session back
        // (the same id and place), it does not leave and join again.
        assert.equal(after, before, "the session taken back");
        await waitForSync(host, members, playing);
        const room = await host.evaluate(() =>
          (globalThis as unknown as PageGlobals).owp!.client.room
        );
        assert.equal(room?.participantCount, 4, "nobody left, nobody new");
        assert.ok(room?.participants?.every((person) => !person.away), "nobody away");
      });

      await t.step("and a last pause reaches all four", async () => {
        await playerDoes(host, "pause");
        await waitForSync(host, members, paused);
        const readings = await Promise.all(members.map(readPlayback));
        for (const reading of readings) assert.equal(reading.roomId, roomId);
      });
    } finally {
      await harness.close();
    }
  },
);
