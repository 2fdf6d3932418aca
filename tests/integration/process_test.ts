/**
 * main.ts as a real process: start-up warnings, and graceful shutdown on SIGTERM/SIGINT
 * (clients see 1001 and reconnect; the process exits 0).
 */
import assert from "node:assert/strict";
import { startMain } from "../helpers/main_process.ts";
import { TestClient } from "../helpers/test_client.ts";

Deno.test("start-up warns about a short JWT_SECRET and ALLOWED_ORIGINS=*", async () => {
  const running = await startMain({ JWT_SECRET: "short", ALLOWED_ORIGINS: "*" });
  running.child.kill("SIGTERM");
  await running.finished;
  assert.equal((await running.child.status).code, 0);
  const warnings = running.lines.filter((l) => l.level === "warn").map((l) => String(l.msg));
  assert.ok(warnings.some((m) => m.includes("JWT_SECRET is shorter than 32")), warnings.join("; "));
  assert.ok(warnings.some((m) => m.includes("ALLOWED_ORIGINS is *")), warnings.join("; "));
  assert.ok(!JSON.stringify(running.lines).includes('"short"'), "the secret was logged");
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal}: every member hears room_closed server_shutdown, then 1001; the process exits 0`, async () => {
    const running = await startMain({});
    const url = `ws://127.0.0.1:${running.port}/ws`;
    const host = await TestClient.connect(url);
    const guest = await TestClient.connect(url);
    host.send("create_room", {});
    const roomId = (await host.next("room_state")).room!;
    guest.send("join_room", {}, roomId);
    await guest.next("room_state");
    const ready = await fetch(`http://127.0.0.1:${running.port}/ready`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();

    running.child.kill(signal);
    const [hostClose, guestClose] = await Promise.all([host.closedEvent, guest.closedEvent]);
    assert.equal(hostClose.code, 1001);
    assert.equal(guestClose.code, 1001);
    assert.equal(hostClose.reason, "server shutting down");
    // Before the close, each member heard why its room closed: the server, not the host.
    for (const client of [host, guest]) {
      const closed = await client.next("room_closed");
      assert.equal(closed.payload.code, "server_shutdown");
      assert.equal(closed.payload.reason, "Server shutting down");
    }
    await running.finished;
    assert.equal((await running.child.status).code, 0);
    assert.ok(running.lines.some((l) => l.msg === "stopped"));
  });
}
