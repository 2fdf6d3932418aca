import assert from "node:assert/strict";
import {
  afterClose,
  reconnectDelayMs,
  UPSTREAM_HOST_GONE_NOTICE,
} from "../helpers/legacy_rejoin.ts";

Deno.test("the upstream stand-in reconnects after 1 s, doubling up to 30 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(reconnectDelayMs), [
    1_000,
    2_000,
    4_000,
    8_000,
    16_000,
    30_000,
    30_000,
  ]);
});

Deno.test("on a close the upstream stand-in's member rejoins, its host gives the room up", () => {
  assert.deepEqual(afterClose({ id: "r1", isHost: false }), { kind: "rejoin", roomId: "r1" });
  assert.deepEqual(afterClose({ id: "r1", isHost: true }), {
    kind: "gave_up",
    notice: UPSTREAM_HOST_GONE_NOTICE,
  });
  assert.deepEqual(afterClose(null), { kind: "lobby" });
});
