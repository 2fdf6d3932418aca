import assert from "node:assert/strict";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer } from "../helpers/test_server.ts";

Deno.test("origin policy: allowed origin, refused origin (403, no socket), no origin", async (t) => {
  await using test = startTestServer({ env: { ALLOWED_ORIGINS: "https://jellyfin.example.com" } });
  await t.step("an allowed origin gets client_hello", async () => {
    const client = await TestClient.connect(test.wsUrl, {
      origin: "https://jellyfin.example.com",
    });
    assert.ok(client.id);
    await client.close();
  });
  await t.step("a foreign origin is refused with 403 before any WebSocket exists", async () => {
    await assert.rejects(
      RawWebSocket.connect(test.port, { Origin: "https://evil.example.com" }),
      /upgrade refused: HTTP\/1.1 403/,
    );
    assert.equal(test.server.connections.size, 0);
    assert.equal(test.server.metrics.upgradesRejected.get("origin"), 1);
  });
  await t.step("no Origin header (a non-browser client) is allowed", async () => {
    const raw = await RawWebSocket.connect(test.port);
    assert.ok(await raw.readMessage("client_hello"));
    raw.abort();
  });
  await t.step("/health has CORS for allowed origins only", async () => {
    const ok = await fetch(`${test.httpUrl}/health`, {
      headers: { origin: "https://jellyfin.example.com" },
    });
    await ok.body?.cancel();
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://jellyfin.example.com");
    const foreign = await fetch(`${test.httpUrl}/health`, {
      headers: { origin: "https://evil.example.com" },
    });
    await foreign.body?.cancel();
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });
});

Deno.test("ALLOWED_ORIGINS=* lets every origin in", async () => {
  await using test = startTestServer({ env: { ALLOWED_ORIGINS: "*" } });
  const client = await TestClient.connect(test.wsUrl, { origin: "https://anything.example" });
  assert.ok(client.id);
  await client.close();
});
