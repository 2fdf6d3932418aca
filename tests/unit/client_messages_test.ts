/**
 * The sync client reads what the server sends through the protocol's own schemas
 * (protocol/server_schemas.ts): a message the builders make is handled; one outside its
 * schema, of a type the client does not know, or not a message at all is ignored whole (no
 * event, no state half-changed); fields a later server adds are dropped.
 */
import assert from "node:assert/strict";
import type { SocketHandlers } from "../../client/ports.ts";
import { type RoomSummary, SyncClient } from "../../client/sync_client.ts";
import { build } from "../../protocol/server_messages.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { localClockOf } from "../helpers/local_clock.ts";

function setUp() {
  const clock = new ManualClock(1_000);
  let socket: SocketHandlers | null = null;
  const client = new SyncClient({
    url: "ws://server/ws",
    clock: localClockOf(clock),
    openSocket: (_url, handlers) => {
      socket = handlers;
      return { send() {}, close() {} };
    },
  });
  const events: string[] = [];
  client.on("hello", ({ clientId }) => events.push(`hello ${clientId}`));
  client.on("chat", ({ text }) => events.push(`chat ${text}`));
  const rooms: (readonly RoomSummary[])[] = [];
  client.on("rooms", (list) => rooms.push(list));
  client.start();
  socket!.onOpen();
  const receive = (message: unknown) => socket!.onMessage(JSON.stringify(message));
  return { client, events, rooms, receive, raw: (text: string) => socket!.onMessage(text) };
}

Deno.test("the client handles a message the server's builders make", () => {
  const { client, events, receive } = setUp();
  receive(build.clientHello("c1", "token-1", 5_000));
  assert.deepEqual(events, ["hello c1"]);
  assert.equal(client.clientId, "c1");
  assert.deepEqual(client.session, { token: "token-1", roomId: null, lastSeq: null });
});

Deno.test("a message outside its schema is ignored whole", () => {
  const { client, events, receive } = setUp();
  // No client_id; a client_id that is a number; no server_ts; a seq of 0.
  receive({ type: "client_hello", client: "c1", payload: { resume_token: "t" }, server_ts: 1 });
  receive({ type: "client_hello", client: "c1", payload: { client_id: 7, resume_token: "t" } });
  receive({ type: "client_hello", client: "c1", payload: { client_id: "c1", resume_token: "t" } });
  receive({ ...build.clientHello("c1", "t", 5_000), seq: 0 });
  assert.deepEqual(events, []);
  assert.equal(client.clientId, null);
});

Deno.test("an unknown type, a frame that is not an object, and bad JSON are ignored", () => {
  const { client, events, receive, raw } = setUp();
  receive({ type: "from_the_future", payload: {}, server_ts: 1 });
  receive(42);
  receive(null);
  receive([build.clientHello("c1", "t", 5_000)]);
  raw("{not json");
  assert.deepEqual(events, []);
  assert.equal(client.clientId, null);
  receive(build.clientHello("c1", "t", 5_000));
  assert.deepEqual(events, ["hello c1"]);
});

Deno.test("fields a later server adds are dropped, the message is handled", () => {
  const { rooms, receive } = setUp();
  const room = { id: "r1", name: "Film", count: 2, media_id: null, locked: false };
  receive({ ...build.roomList([room], 5_000), payload: [{ ...room, colour: "red" }], shiny: 1 });
  assert.deepEqual(rooms, [[room]]);
});
