/**
 * The client's reconnect timing: after an ordinary drop it backs off (to 30 s); after 1012 (a
 * server that restarts and keeps its rooms) it tries again within a couple of seconds, every
 * time, until it is back; and a session that came back starts the backoff afresh.
 */
import assert from "node:assert/strict";
import { Connection } from "../../client/connection.ts";
import type { SocketHandlers } from "../../client/ports.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { localClockOf } from "../helpers/local_clock.ts";

function setUp() {
  const clock = new ManualClock();
  const opened: SocketHandlers[] = [];
  const delays: number[] = [];
  const connection = new Connection({
    url: "ws://server/ws",
    clock: localClockOf(clock),
    // The longest delay each time: the bound, not luck.
    random: () => 0.999,
    openSocket: (_url, handlers) => {
      opened.push(handlers);
      return { send() {}, close() {} };
    },
    onOpen() {},
    onMessage() {},
    onState: (state, detail) => {
      if (state === "reconnecting" && detail.retryInMs !== undefined) delays.push(detail.retryInMs);
    },
  });
  connection.start();
  /** The newest socket closes with `code`, and the retry timer runs. */
  const drop = (code: number) => {
    opened.at(-1)!.onClose(code, "");
    clock.advance(delays.at(-1)!);
  };
  return { connection, opened, delays, drop };
}

Deno.test("an ordinary drop backs off: 0.5 s, 1 s, 2 s, … up to 30 s", () => {
  const { delays, drop } = setUp();
  for (let i = 0; i < 8; i++) drop(1006);
  assert.deepEqual(delays, [500, 999, 1998, 3996, 7992, 15984, 29970, 29970]);
});

Deno.test("1012 (a restart that keeps rooms): tries come within 2 s, however many it takes", () => {
  const { connection, delays, drop } = setUp();
  drop(1012);
  // The new server is not listening yet: the tries fail as drops, still quickly.
  for (let i = 0; i < 10; i++) drop(1006);
  assert.ok(delays.every((delay) => delay <= 2_000), delays.join(", "));
  assert.equal(delays[0], 250);
  // Back (hello): the next ordinary drop backs off from the start again.
  connection.resetBackoff();
  delays.length = 0;
  drop(1006);
  drop(1006);
  assert.deepEqual(delays, [500, 999]);
});
