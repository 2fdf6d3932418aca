/**
 * MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP, refused before the upgrade, and the client
 * address they count: the TCP peer, or X-Forwarded-For behind a proxy in TRUSTED_PROXIES.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../server/log.ts";
import { disposedTogether } from "../helpers/disposable.ts";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer, type TestServer } from "../helpers/test_server.ts";
import { AUDIENCE, claims, ISSUER, SECRET, signHs256 } from "../helpers/tokens.ts";

/**
 * An upgrade request the limits see like any other; not a complete handshake, so one the
 * limits let through ends in 400 without opening a socket.
 */
async function attempt(
  test: TestServer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${test.httpUrl}/ws`, {
    headers: { upgrade: "websocket", ...headers },
  });
  return { status: response.status, text: await response.text() };
}

const SERVER_FULL = { status: 503, text: "server at connection limit" };
const ADDRESS_FULL = { status: 429, text: "too many connections from this address" };

Deno.test("MAX_CONNECTIONS: one more upgrade gets 503, and the places come back", async () => {
  await using test = startTestServer({ env: { MAX_CONNECTIONS: "2" } });
  await using clients = disposedTogether<TestClient>();
  clients.push(await TestClient.connect(test.wsUrl), await TestClient.connect(test.wsUrl));
  assert.deepEqual(await attempt(test), SERVER_FULL);
  assert.deepEqual(await attempt(test, { "x-forwarded-for": "203.0.113.1" }), SERVER_FULL);
  assert.equal(test.server.metrics.upgradesRejected.get("server_limit"), 2);
  assert.equal(test.server.connections.size, 2);
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await test.server.whenNoConnections();
  clients.push(await TestClient.connect(test.wsUrl), await TestClient.connect(test.wsUrl));
  assert.deepEqual(await attempt(test), SERVER_FULL);
});

Deno.test("MAX_CONNECTIONS_PER_IP: a place is given back exactly once, whatever closed the socket", async () => {
  await using test = startTestServer({
    env: {
      MAX_CONNECTIONS_PER_IP: "3",
      JWT_SECRET: SECRET,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ISSUER: ISSUER,
      AUTH_TIMEOUT_MS: "10000",
    },
  });
  const clock = manualClockOf(test);
  const closedByClient = await TestClient.connect(test.wsUrl);
  using dropped = await RawWebSocket.connect(test.port);
  await using closedByServer = await TestClient.connect(test.wsUrl);
  await using later = disposedTogether<TestClient>();
  const token = signHs256(claims(clock.now()));
  /** One place is free: one more connects (and authenticates), the next is refused. */
  const exactlyOnePlace = async () => {
    const client = await TestClient.connect(test.wsUrl);
    later.push(client);
    client.send("auth", { token });
    await client.next("auth_success");
    assert.deepEqual(await attempt(test), ADDRESS_FULL);
  };
  const droppedId = (await dropped.readMessage("client_hello"))!.payload as { client_id: string };
  closedByClient.send("auth", { token });
  await closedByClient.next("auth_success");
  assert.deepEqual(await attempt(test), ADDRESS_FULL);

  await closedByClient.close(); // a clean close (1000)
  await test.server.whenGone(closedByClient.id);
  await exactlyOnePlace();

  dropped.abort(); // the TCP connection vanishes
  await test.server.whenGone(droppedId.client_id);
  await exactlyOnePlace();

  clock.advance(10_000); // the server closes the unauthenticated one (4001)
  assert.equal((await closedByServer.closedEvent).code, 4001);
  await exactlyOnePlace();
  assert.equal(test.server.metrics.upgradesRejected.get("address_limit"), 4);
});

Deno.test("behind a trusted proxy, each X-Forwarded-For client has its own places", async () => {
  await using test = startTestServer({
    env: { TRUSTED_PROXIES: "127.0.0.1", MAX_CONNECTIONS_PER_IP: "1" },
  });
  await using sockets = disposedTogether<RawWebSocket>();
  const through = (xff: string) => RawWebSocket.connect(test.port, { "X-Forwarded-For": xff });
  sockets.push(await through("203.0.113.7"));
  assert.deepEqual(await attempt(test, { "x-forwarded-for": "203.0.113.7" }), ADDRESS_FULL);
  // Through a second, inner proxy that is trusted too: still the same client.
  assert.deepEqual(
    await attempt(test, { "x-forwarded-for": "203.0.113.7, 127.0.0.1" }),
    ADDRESS_FULL,
  );
  // What the client wrote itself, left of the proxy's entry, changes nothing.
  assert.deepEqual(
    await attempt(test, { "x-forwarded-for": "198.51.100.1, 203.0.113.7" }),
    ADDRESS_FULL,
  );
  sockets.push(await through("198.51.100.1, 203.0.113.8")); // another client
  sockets.push(await through("::ffff:203.0.113.9"));
  assert.deepEqual(await attempt(test, { "x-forwarded-for": "203.0.113.9" }), ADDRESS_FULL);
  // The proxy's own requests (no X-Forwarded-For) count for the proxy's address.
  sockets.push(await RawWebSocket.connect(test.port));
  assert.deepEqual(await attempt(test), ADDRESS_FULL);
  assert.equal(test.server.connections.size, 4);
});

Deno.test("X-Forwarded-For from an untrusted peer is ignored, with one warning", async () => {
  const warnings: string[] = [];
  const log = createLogger("warn", (line) => warnings.push(JSON.parse(line).msg));
  await using test = startTestServer({ log, env: { MAX_CONNECTIONS_PER_IP: "1" } });
  using _socket = await RawWebSocket.connect(test.port, { "X-Forwarded-For": "203.0.113.7" });
  // Every "client" is the peer, 127.0.0.1, which has its one place already.
  assert.deepEqual(await attempt(test, { "x-forwarded-for": "203.0.113.8" }), ADDRESS_FULL);
  assert.deepEqual(await attempt(test, { "x-forwarded-for": "203.0.113.9" }), ADDRESS_FULL);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0]!, /X-Forwarded-For .* TRUSTED_PROXIES/);
});
