/**
 * Changing the video and the queue over real sockets: set_media reaches everyone (checked
 * against the published schema) without anyone rejoining; a queue built, reordered and
 * trimmed; the first item ending for everyone starts the next one, played for all at one
 * instant once they loaded it; and every bad request answered with its error.
 */
import assert from "node:assert/strict";
import { ERRORS, FIELD_MESSAGES, SERVER_MESSAGE_SCHEMAS } from "../../protocol/mod.ts";
import { connectClients, makeRoom } from "../helpers/session.ts";
import { startTestServer } from "../helpers/test_server.ts";

const EPISODE_1 = "https://media.example/s01e01.mp4";
const EPISODE_2 = "https://media.example/s01e02.mp4";
const EPISODE_3 = "https://media.example/s01e03.m3u8";

Deno.test("set_media: everyone gets the new video in room_state, nobody rejoins", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, member] = clients;
  const roomId = await makeRoom(host!, [member!]);
  member!.send("ready", {}, roomId);
  host!.send("set_media", { media_url: EPISODE_1, title: "Pilot" }, roomId);
  for (const client of [host!, member!]) {
    const state = await client.nextOf(
      "room_state",
      (m) => m.payload.media_url === EPISODE_1,
      "the new video",
    );
    SERVER_MESSAGE_SCHEMAS.room_state.parse(state);
    assert.equal(state.payload.media_title, "Pilot");
    assert.equal(state.payload.participant_count, 2);
    assert.deepEqual(state.payload.state, { position: 0, play_state: "paused" });
  }
  // A member under host control may not change it.
  member!.send("set_media", { media_url: EPISODE_2 }, roomId);
  assert.equal((await member!.next("error")).payload.message, ERRORS.notHostPlayback.message);
  member!.send("set_media", { media_url: "file:///etc/passwd" }, roomId);
  assert.equal((await member!.next("error")).payload.message, FIELD_MESSAGES.mediaUrlRequired);
});

Deno.test("queue: build it, reorder, remove; the first item ends for everyone and the next plays for all at once", async () => {
  await using test = startTestServer();
  await using clients = await connectClients(test, 2);
  const [host, member] = clients;
  const roomId = await makeRoom(host!, [member!]);
  member!.send("ready", {}, roomId);
  host!.send("queue_add", { media_url: EPISODE_2, title: "Two" }, roomId);
  host!.send("queue_add", { media_url: EPISODE_3, title: "Three" }, roomId);
  const built = await member!.nextOf("room_state", (m) => m.payload.queue.length === 2, "two");
  SERVER_MESSAGE_SCHEMAS.room_state.parse(built);
  const [two, three] = built.payload.queue;
  assert.equal(two!.added_by, host!.id);
  host!.send("queue_move", { item_id: three!.id, index: 0 }, roomId);
  const moved = await member!.nextOf(
    "room_state",
    (m) => m.payload.queue[0]?.title === "Three",
    "moved",
  );
  assert.deepEqual(moved.payload.queue.map((q) => q.title), ["Three", "Two"]);
  host!.send("queue_remove", { item_id: three!.id }, roomId);
  await member!.nextOf("room_state", (m) => m.payload.queue.length === 1, "removed");
  host!.send("queue_remove", { item_id: three!.id }, roomId);
  assert.equal((await host!.next("error")).payload.message, ERRORS.noSuchQueueItem.message);
  // Both players reach the end: "Two" starts, paused at 0 until the member loaded it.
  await member!.drain();
  member!.send("ready", { state: "ended" }, roomId);
  host!.send("ready", { state: "ended" }, roomId);
  const next = await member!.nextOf(
    "room_state",
    (m) => m.payload.media_url === EPISODE_2,
    "next",
  );
  assert.deepEqual(next.payload.queue, []);
  assert.equal(next.payload.media_item_id, two!.id);
  const waiting = await member!.next("waiting_on");
  assert.deepEqual(waiting.payload.waiting.map((w) => w.id), [member!.id]);
  member!.send("ready", {}, roomId);
  const [hostPlay, memberPlay] = await Promise.all([
    host!.next("player_event"),
    member!.next("player_event"),
  ]);
  SERVER_MESSAGE_SCHEMAS.player_event.parse(memberPlay);
  assert.equal(hostPlay.client, "", "the room started it: the host starts at the target too");
  assert.deepEqual(hostPlay.payload, memberPlay.payload);
  assert.equal(memberPlay.payload.position_at_target, 0);
  // The queue is empty now: next says so.
  host!.send("queue_next", {}, roomId);
  assert.equal((await host!.next("error")).payload.message, ERRORS.queueEmpty.message);
});
