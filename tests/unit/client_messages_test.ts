/**
 * The sync client reads what the server sends through the protocol's own schemas
 * (protocol/server_schemas.ts): a message the builders make is handled; one outside its
 * schema, of a type the client does not know, or not a message at all is ignored whole (no
 * event, no state half-changed); fields a later server adds are dropped, and an enum value it
 * does not know (a newer server's) reads as that field's fallback: the message is handled.
 */
import assert from "node:assert/strict";
import type { SocketHandlers } from "../../client/ports.ts";
import { type RoomSummary, SyncClient, type SyncClientEvents } from "../../client/sync_client.ts";
import { build, type ParticipantInfo } from "../../protocol/server_messages.ts";
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

// --- enum values this client does not know ---

const FUTURE = "from_the_future";

const bea: ParticipantInfo = {
  id: "c2",
  name: "Bea",
  is_host: false,
  is_cohost: false,
  ready: true,
  readiness: "ready",
  away: false,
  away_until: null,
  rtt_ms: null,
};
const ann: ParticipantInfo = { ...bea, id: "c1", name: "Ann", is_host: true };

const roomState = (control: "host" | "cohosts" | "everyone" = "everyone") =>
  build.roomState("r1", {
    name: "Film",
    host_id: "c1",
    participant_count: 2,
    media_id: null,
    state: { position: 10, play_state: "paused" },
    media_url: null,
    participants: [ann, bea],
    control,
    playback_rate: 1,
    locked: false,
    handoff: false,
    unlisted: false,
    media_title: null,
    media_item_id: "item-1",
    queue: [],
  }, 5_000);

/** A message as built, with a future value at `path` (a deep copy). */
function future(message: unknown, ...path: (string | number)[]): unknown {
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = FUTURE;
  return copy;
}

/** A client that is Bea (c2), a member of room r1, recording the events named. */
function inRoom<K extends keyof SyncClientEvents>(...types: K[]) {
  const set = setUp();
  const seen: { type: K; value: SyncClientEvents[K] }[] = [];
  set.receive(build.clientHello("c2", "token-2", 5_000));
  set.client.joinRoom("r1");
  set.receive(roomState());
  assert.equal(set.client.room?.id, "r1");
  for (const type of types) set.client.on(type, (value) => seen.push({ type, value }));
  return { ...set, seen };
}

Deno.test("a room_closed with a code this client does not know still closes the room", () => {
  const { client, receive, seen } = inRoom("roomClosed", "room");
  const closed = structuredClone(build.roomClosed("r1", "host_left", 6_000)) as {
    payload: { reason: string; code: string };
  };
  closed.payload = { reason: "The room was archived", code: FUTURE };
  receive(closed);
  assert.deepEqual(seen, [
    { type: "room", value: null },
    {
      type: "roomClosed",
      value: { roomId: "r1", reason: "The room was archived", code: "unknown" },
    },
  ]);
  assert.equal(client.room, null);
  assert.equal(client.session?.roomId, null);
});

Deno.test("a participants update with an unknown readiness is applied, the readiness null", () => {
  const { client, receive } = inRoom();
  const carl = { ...bea, id: "c3", name: "Carl", ready: false, readiness: "loading" } as const;
  const membership = { participant_count: 3, participants: [ann, bea, carl] };
  receive(
    future(
      build.participantsUpdate("r1", "c3", membership, 6_000),
      "payload",
      "participants",
      2,
      "readiness",
    ),
  );
  assert.equal(client.room?.participantCount, 3);
  assert.deepEqual(
    client.room?.participants?.map((p) => [p.name, p.ready, p.readiness]),
    [["Ann", true, "ready"], ["Bea", true, "ready"], ["Carl", false, null]],
  );
  // And one who leaves, likewise.
  const left = { participant_count: 2, participants: [ann, carl] };
  receive(
    future(build.clientLeft("r1", "c2", left, 7_000), "payload", "participants", 0, "readiness"),
  );
  assert.deepEqual(client.room?.participants?.map((p) => [p.name, p.readiness]), [
    ["Ann", null],
    ["Carl", "loading"],
  ]);
});

Deno.test("a room_state with an unknown control policy reads as host only", () => {
  const { client, receive } = inRoom();
  assert.equal(client.room?.canControl, true); // control: everyone
  receive(future(roomState("everyone"), "payload", "control"));
  assert.equal(client.room?.control, "host");
  assert.equal(client.room?.canControl, false);
  // An unknown play state and readiness in it are read too (paused; null).
  receive(
    future(
      future(roomState(), "payload", "state", "play_state"),
      "payload",
      "participants",
      1,
      "readiness",
    ),
  );
  assert.equal(client.room?.control, "everyone");
  assert.equal(client.room?.participants?.[1]?.readiness, null);
});

Deno.test("a player_event with an unknown action is carried out as a seek to its point", () => {
  const { receive, seen } = inRoom("command");
  const command = build.playerEvent("r1", "c1", {
    action: "pause",
    position: 42,
    play_state: "paused",
    target_server_ts: 6_000,
    position_at_target: 42,
  }, 5_700);
  receive(future(command, "payload", "action"));
  assert.deepEqual(seen, [
    { type: "command", value: { from: "c1", action: "seek", position: 42, own: false } },
  ]);
});

Deno.test("host_changed, waiting_on and rate_changed with unknown values are handled", () => {
  const { client, receive, seen } = inRoom("hostChanged", "waiting", "rateChanged");
  receive(future(
    build.hostChanged("r1", { host_id: "c2", previous_host_id: "c1", reason: "host_left" }, 6_000),
    "payload",
    "reason",
  ));
  receive(future(
    build.waitingOn("r1", {
      waiting: [{ id: "c2", name: "Bea", readiness: "buffering" }],
      deadline_ts: 8_000,
    }, 6_000),
    "payload",
    "waiting",
    0,
    "readiness",
  ));
  receive(future(
    build.rateChanged("r1", "c1", {
      rate: 1.5,
      target_server_ts: 6_300,
      position_at_target: 10,
      play_state: "paused",
    }, 6_000),
    "payload",
    "play_state",
  ));
  assert.deepEqual(seen, [
    { type: "hostChanged", value: { hostId: "c2", previousHostId: "c1", reason: "transfer" } },
    {
      type: "waiting",
      value: { waiting: [{ id: "c2", name: "Bea", readiness: null }], deadlineTs: 8_000 },
    },
    { type: "rateChanged", value: { from: "c1", rate: 1.5, own: false } },
  ]);
  assert.equal(client.room?.playbackRate, 1.5);
});

Deno.test("an error with a code this client does not know is an error with its message", () => {
  const { receive, seen } = inRoom("error");
  receive(build.error({ code: FUTURE, message: "Something new went wrong" }, 6_000, "r1"));
  assert.deepEqual(seen, [
    { type: "error", value: { code: FUTURE, message: "Something new went wrong", room: "r1" } },
  ]);
});
