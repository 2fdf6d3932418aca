/**
 * The connection hub on a manual clock: who is connected, the waits on them, and drain's wait
 * for the sockets, which ends when the last one closes or when the grace is over, on the
 * server's clock (a client that never answers the close does not hold a shutdown up).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../../rooms/clock.ts";
import { AddressBook } from "../../server/addresses.ts";
import type { Connection } from "../../server/connection.ts";
import { ConnectionHub } from "../../server/hub.ts";

/** A socket as the hub wires it: the test fires its events. */
class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
}

/** A connection that records what the hub does to it. */
function fakeConnection(id: string) {
  const seen: string[] = [];
  const connection = {
    id,
    open: () => seen.push("open"),
    receive: (data: unknown) => seen.push(`receive ${data}`),
    closed: (code: number) => seen.push(`closed ${code}`),
    close: (reason: string) => seen.push(`close ${reason}`),
  };
  return { connection: connection as unknown as Connection, seen };
}

function hub(limits = { maxConnections: 10, maxConnectionsPerAddress: 10 }) {
  const clock = new ManualClock();
  const addresses = new AddressBook(clock, 30);
  return { clock, addresses, hub: new ConnectionHub(clock, limits, addresses) };
}

function attach(connections: ConnectionHub, id: string) {
  const socket = new FakeSocket();
  const fake = fakeConnection(id);
  connections.attach(socket as unknown as WebSocket, fake.connection);
  return { socket, ...fake };
}

Deno.test("hub: a socket's events reach its connection; gone ends the waits for it", async () => {
  const { hub: connections } = hub();
  const a = attach(connections, "a");
  a.socket.onopen!();
  a.socket.onmessage!({ data: "hi" });
  a.socket.onclose!({ code: 1000 });
  assert.deepEqual(a.seen, ["open", "receive hi", "closed 1000"]);
  assert.equal(connections.size, 1, "a connection leaves by its onGone, not by the socket");
  let goneA = false;
  let nobody = false;
  void connections.whenGone("a").then(() => goneA = true);
  void connections.whenNoConnections().then(() => nobody = true);
  connections.gone(a.connection);
  await Promise.resolve();
  assert.deepEqual([goneA, nobody, connections.size], [true, true, 0]);
});

Deno.test("hub: drain's wait ends when the last socket closes, not at the grace", async () => {
  const { clock, hub: connections } = hub();
  const a = attach(connections, "a");
  const b = attach(connections, "b");
  a.socket.onopen!();
  b.socket.onopen!();
  connections.closeAll("goingAway");
  assert.deepEqual([a.seen.at(-1), b.seen.at(-1)], ["close goingAway", "close goingAway"]);
  let done = false;
  void connections.socketsClosed(2_000).then(() => done = true);
  a.socket.onclose!({ code: 1001 });
  await Promise.resolve();
  assert.equal(done, false, "one socket still open");
  b.socket.onclose!({ code: 1001 });
  await Promise.resolve();
  assert.equal(done, true);
  assert.equal(clock.pendingTimers, 0, "the grace timer went with it");
});

Deno.test("hub: a socket that never answers holds drain up for the grace only, on the server's clock", async () => {
  const { clock, hub: connections } = hub();
  const silent = attach(connections, "silent");
  silent.socket.onopen!();
  let done = false;
  void connections.socketsClosed(2_000).then(() => done = true);
  clock.advance(1_999);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await Promise.resolve();
  assert.equal(done, true);
});

Deno.test("hub: no socket ever opened: nothing to wait for", async () => {
  const { hub: connections } = hub();
  attach(connections, "never-opened");
  let done = false;
  void connections.socketsClosed(2_000).then(() => done = true);
  await Promise.resolve();
  assert.equal(done, true);
});

Deno.test("hub: the server's and each address's connection limits refuse the next socket", () => {
  const { addresses, hub: connections } = hub({ maxConnections: 2, maxConnectionsPerAddress: 1 });
  assert.equal(connections.refusal("10.0.0.1"), null);
  addresses.acquire("10.0.0.1");
  assert.equal(connections.refusal("10.0.0.1"), "address_limit");
  assert.equal(connections.refusal("10.0.0.2"), null);
  attach(connections, "a");
  attach(connections, "b");
  assert.equal(connections.refusal("10.0.0.2"), "server_limit");
});
