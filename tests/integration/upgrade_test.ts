/**
 * The WebSocket handshake on /ws: header values in any letter case, and refused requests that
 * leave nothing behind (no connection counted in /health, a reason in the metrics).
 */
import assert from "node:assert/strict";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { startTestServer } from "../helpers/test_server.ts";

async function healthConnections(httpUrl: string): Promise<number> {
  return (await (await fetch(`${httpUrl}/health`)).json()).connections;
}

Deno.test("upgrade: 'Upgrade: WebSocket' and 'Connection: upgrade' (any case) get 101 and a session", async () => {
  await using test = startTestServer();
  for (
    const handshake of [
      { upgrade: "WebSocket", connection: "upgrade" },
      { upgrade: "WEBSOCKET", connection: "keep-alive, UPGRADE" },
    ]
  ) {
    const raw = await RawWebSocket.connect(test.port, {}, handshake);
    const hello = await raw.readMessage("client_hello");
    assert.ok(hello, `no client_hello for ${JSON.stringify(handshake)}`);
    await raw.sendJson({ type: "ping", room: "", payload: { client_ts: 1 }, ts: 1 });
    assert.ok(await raw.readMessage("pong"));
    raw.abort();
  }
});

Deno.test("upgrade: requests that do not upgrade leave no connection behind", async () => {
  await using test = startTestServer();
  const statuses: number[] = [];
  const bodies: string[] = [];
  // A WebSocket upgrade in name only (no Connection: upgrade, no Sec-WebSocket-Key), then
  // plain GETs.
  for (const headers of [...Array(3).fill({ upgrade: "WebSocket" }), ...Array(3).fill({})]) {
    const response = await fetch(test.wsUrl.replace("ws:", "http:"), { headers });
    statuses.push(response.status);
    bodies.push(await response.text());
  }
  assert.equal(await healthConnections(test.httpUrl), 0);
  assert.deepEqual(statuses, [400, 400, 400, 426, 426, 426]);
  for (const body of bodies.slice(0, 3)) assert.match(body, /^bad WebSocket handshake: /);
  assert.equal(test.server.connections.size, 0);
  assert.equal(test.server.metrics.upgradesRejected.get("bad_handshake"), 3);
  assert.equal(test.server.metrics.upgradesRejected.get("not_websocket"), 3);
  assert.equal(test.server.metrics.connectionsOpened.get(), 0);
});
