/**
 * Changing the video and the queue (set_media, queue_*), on a ManualClock: new media reaches
 * everyone in room_state and starts over paused at 0 with readiness reset; the queue's add,
 * move, remove and next; auto-advance when every player ended, or a while after the host's
 * did; stale timers; who may change the media; and the payload schemas' texts.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_TIMINGS,
  ERRORS,
  FIELD_MESSAGES,
  MAX_QUEUE_ITEMS,
  type MediaOp,
  parseClientMessage,
  QUEUE_END_WAIT_MS,
} from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import type { Room } from "../../rooms/room.ts";
import { ROOM_SENDER_ID } from "../../rooms/room_media.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { testRegistry } from "../helpers/registry.ts";

const FIRST = "https://media.example/first.mp4";
const SECOND = "https://media.example/second.mp4";
const THIRD = "https://media.example/third.m3u8";

function party(control: "host" | "everyone" = "host") {
  const clock = new ManualClock();
  const registry = testRegistry(clock);
  const host = new FakeMember("host", "Hana");
  const member = new FakeMember("m1", "Ann");
  const room: Room = registry.create({
    host,
    name: "Film night",
    mediaId: null,
    mediaUrl: FIRST,
    startPosition: 0,
    control,
  })!;
  registry.ports.attach(member.id, member);
  room.post({ kind: "join", from: member });
  room.post({ kind: "ready", from: member });
  for (const m of [host, member]) m.clear();
  return { clock, registry, room, host, member };
}

const item = (url: string, title: string | null = null) => ({ url, mediaId: null, title });
const media = (room: Room, from: FakeMember, op: MediaOp) => room.post({ kind: "media", from, op });
const play = (room: Room, from: FakeMember, position: number) =>
  room.post({
    kind: "player_event",
    from,
    action: "play",
    position,
    playState: null,
    timing: { atServerTs: null, deferred: false },
  });

Deno.test("set_media: everyone loads the new video, paused at 0, and a play waits for them", () => {
  const { clock, room, host, member } = party();
  play(room, host, 40);
  clock.advance(5_000);
  media(room, host, { op: "set", item: item(SECOND, "Episode 2") });
  for (const m of [host, member]) {
    const state = m.last("room_state")!.payload;
    assert.equal(state.media_url, SECOND);
    assert.equal(state.media_title, "Episode 2");
    assert.notEqual(state.media_item_id, "0");
    assert.deepEqual(state.state, { position: 0, play_state: "paused" });
  }
  const readiness = member.last("room_state")!.payload.participants.find((p) => p.id === "m1");
  assert.equal(readiness?.readiness, "loading");
  assert.equal(room.snapshot().mediaUrl, SECOND);
  // Nobody rejoined: the same members, the same host.
  assert.deepEqual(room.snapshot().memberIds, ["host", "m1"]);
  // The host's player still reports the old video for a moment: not the new timeline.
  room.post({ kind: "state_update", from: host, position: 45.2, playState: "playing" });
  assert.equal(room.snapshot().playback.position, 0);
  // A play waits for the member to load the new video.
  member.clear();
  play(room, host, 0);
  assert.equal(member.last("player_event"), undefined);
  assert.deepEqual(member.last("waiting_on")!.payload.waiting.map((w) => w.id), ["m1"]);
  room.post({ kind: "ready", from: member });
  assert.equal(member.last("player_event")!.payload.action, "play");
});

Deno.test("set_media drops a waiting play: its timer firing later starts nothing", () => {
  const { clock, room, host, member } = party();
  room.post({ kind: "ready", from: member, readiness: "buffering" });
  play(room, host, 10);
  assert.equal(room.snapshot().pendingPlay, true);
  media(room, host, { op: "set", item: item(SECOND) });
  assert.equal(room.snapshot().pendingPlay, false);
  member.clear();
  clock.advance(DEFAULT_TIMINGS.maxReadyWaitMs + 10);
  assert.equal(member.last("player_event"), undefined);
  assert.equal(room.snapshot().playback.playState, "paused");
});

Deno.test("the media and the queue: only whoever may control changes them", async (t) => {
  await t.step("host control: a member is refused, nothing changes", () => {
    const { room, host, member } = party();
    media(room, member, { op: "set", item: item(SECOND) });
    media(room, member, { op: "add", item: item(SECOND) });
    media(room, member, { op: "next" });
    assert.deepEqual(
      member.all("error").map((e) => e.payload.message),
      Array(3).fill(ERRORS.notHostPlayback.message),
    );
    assert.equal(room.snapshot().mediaUrl, FIRST);
    assert.deepEqual(room.snapshot().queueIds, []);
    assert.equal(host.last("room_state"), undefined);
  });
  await t.step("everyone controls: a member changes the video", () => {
    const { room, host, member } = party("everyone");
    media(room, member, { op: "add", item: item(THIRD) });
    media(room, member, { op: "set", item: item(SECOND) });
    assert.equal(host.last("room_state")!.payload.media_url, SECOND);
    assert.equal(host.last("room_state")!.payload.queue[0]!.added_by, "m1");
  });
});

Deno.test("queue: add, move, remove; every change reaches everyone; bad ids and a full queue are refused", () => {
  const { room, host, member } = party();
  media(room, host, { op: "add", item: item(SECOND, "Two") });
  media(room, host, { op: "add", item: item(THIRD, "Three") });
  const queue = () => member.last("room_state")!.payload.queue.map((q) => q.title);
  assert.deepEqual(queue(), ["Two", "Three"]);
  const [two, three] = room.snapshot().queueIds;
  media(room, host, { op: "move", itemId: three!, index: 0 });
  assert.deepEqual(queue(), ["Three", "Two"]);
  media(room, host, { op: "move", itemId: three!, index: 99 }); // past the end: last
  assert.deepEqual(queue(), ["Two", "Three"]);
  media(room, host, { op: "remove", itemId: two! });
  assert.deepEqual(queue(), ["Three"]);
  host.clear();
  media(room, host, { op: "remove", itemId: two! });
  media(room, host, { op: "move", itemId: "nope", index: 0 });
  assert.deepEqual(host.all("error").map((e) => e.payload.code), ["no_such_item", "no_such_item"]);
  assert.equal(host.last("room_state"), undefined);
  // The media playing now is untouched by queue edits.
  assert.equal(room.snapshot().mediaUrl, FIRST);
  for (let i = room.snapshot().queueIds.length; i < MAX_QUEUE_ITEMS; i++) {
    media(room, host, { op: "add", item: item(SECOND) });
  }
  host.clear();
  media(room, host, { op: "add", item: item(SECOND) });
  assert.equal(host.last("error")!.payload.message, ERRORS.queueFull.message);
  assert.equal(room.snapshot().queueIds.length, MAX_QUEUE_ITEMS);
  // Ids stay unique across adds and removes.
  assert.equal(new Set(room.snapshot().queueIds).size, MAX_QUEUE_ITEMS);
});

Deno.test("queue next: the first item plays, for everyone at one instant once they loaded it", () => {
  const { clock, room, host, member } = party();
  media(room, host, { op: "next" });
  assert.equal(host.last("error")!.payload.message, ERRORS.queueEmpty.message);
  media(room, host, { op: "add", item: item(SECOND, "Two") });
  media(room, host, { op: "add", item: item(THIRD, "Three") });
  host.clear();
  member.clear();
  media(room, host, { op: "next" });
  const state = member.last("room_state")!.payload;
  assert.equal(state.media_url, SECOND);
  assert.equal(state.media_title, "Two");
  assert.deepEqual(state.queue.map((q) => q.title), ["Three"]);
  // Waiting for the member to load it; nobody plays yet.
  assert.equal(member.last("player_event"), undefined);
  assert.deepEqual(host.last("waiting_on")!.payload.waiting.map((w) => w.id), ["m1"]);
  clock.advance(300);
  room.post({ kind: "ready", from: member });
  const hostPlay = host.last("player_event")!;
  const memberPlay = member.last("player_event")!;
  // The room started it: nobody's echo, so the host's player starts at the target too.
  assert.equal(hostPlay.client, ROOM_SENDER_ID);
  assert.deepEqual(hostPlay.payload, memberPlay.payload);
  assert.equal(memberPlay.payload.position_at_target, 0);
  assert.equal(memberPlay.payload.target_server_ts, clock.now() + DEFAULT_TIMINGS.playScheduleMs);
  assert.equal(room.snapshot().playback.anchorTs, memberPlay.payload.target_server_ts);
});

Deno.test("queue next: a member who never loads it holds the play back only up to the ready wait", () => {
  const { clock, room, host, member } = party();
  media(room, host, { op: "add", item: item(SECOND) });
  media(room, host, { op: "next" });
  member.clear();
  clock.advance(DEFAULT_TIMINGS.maxReadyWaitMs);
  assert.equal(member.last("player_event")!.payload.action, "play");
});

Deno.test("auto-advance: when every player ended, the next item starts", () => {
  const { room, host, member } = party();
  media(room, host, { op: "add", item: item(SECOND) });
  play(room, host, 0);
  member.clear();
  room.post({ kind: "ready", from: member, readiness: "ended" });
  assert.equal(member.last("room_state"), undefined, "the host has not ended yet");
  room.post({ kind: "ready", from: host, readiness: "ended" });
  assert.equal(member.last("room_state")!.payload.media_url, SECOND);
  assert.deepEqual(room.snapshot().queueIds, []);
  // The host's "ended" was about the video before: the next end needs its own report.
  assert.equal(
    member.last("room_state")!.payload.participants.find((p) => p.id === "host")!.readiness,
    "ready",
  );
});

Deno.test("auto-advance: a while after the host's player ended, even if a member has not", async (t) => {
  await t.step("the wait runs out: next item", () => {
    const { clock, room, host, member } = party();
    media(room, host, { op: "add", item: item(SECOND) });
    room.post({ kind: "ready", from: host, readiness: "ended" });
    clock.advance(QUEUE_END_WAIT_MS - 1);
    assert.equal(room.snapshot().mediaUrl, FIRST);
    clock.advance(1);
    assert.equal(room.snapshot().mediaUrl, SECOND);
    assert.equal(member.last("room_state")!.payload.media_url, SECOND);
  });
  await t.step("the host seeks back before it runs out: nothing moves on", () => {
    const { clock, room, host } = party();
    media(room, host, { op: "add", item: item(SECOND) });
    room.post({ kind: "ready", from: host, readiness: "ended" });
    clock.advance(2_000);
    room.post({ kind: "ready", from: host, readiness: "ready" });
    clock.advance(QUEUE_END_WAIT_MS * 2);
    assert.equal(room.snapshot().mediaUrl, FIRST);
  });
  await t.step("the video changed meanwhile: the old wait starts nothing", () => {
    const { clock, room, host } = party();
    media(room, host, { op: "add", item: item(SECOND) });
    room.post({ kind: "ready", from: host, readiness: "ended" });
    media(room, host, { op: "set", item: item(THIRD) });
    clock.advance(QUEUE_END_WAIT_MS * 2);
    assert.equal(room.snapshot().mediaUrl, THIRD);
    assert.equal(room.snapshot().queueIds.length, 1);
  });
  await t.step("an empty queue: the end of the film is just the end", () => {
    const { clock, room, host, member } = party();
    room.post({ kind: "ready", from: member, readiness: "ended" });
    room.post({ kind: "ready", from: host, readiness: "ended" });
    clock.advance(QUEUE_END_WAIT_MS * 2);
    assert.equal(room.snapshot().mediaUrl, FIRST);
    assert.equal(room.snapshot().itemSeq, 0);
  });
});

Deno.test("a member at the end counts as ready: the host's replay starts at once", () => {
  const { room, host, member } = party();
  room.post({ kind: "ready", from: member, readiness: "ended" });
  member.clear();
  play(room, host, 0);
  assert.equal(member.last("player_event")!.payload.action, "play");
  assert.equal(member.last("waiting_on"), undefined);
});

Deno.test("media payloads: a URL is required and must be http(s); titles are cleaned and bounded", () => {
  const parse = (type: string, payload: unknown) =>
    parseClientMessage(JSON.stringify({ type, room: "r", payload, ts: 1 }));
  const errorOf = (type: string, payload: unknown) => {
    const result = parse(type, payload);
    return result.ok ? null : result.error.message;
  };
  assert.equal(errorOf("set_media", {}), FIELD_MESSAGES.mediaUrlRequired);
  assert.equal(errorOf("queue_add", { media_url: null }), FIELD_MESSAGES.mediaUrlRequired);
  assert.equal(
    errorOf("set_media", { media_url: "javascript:alert(1)" }),
    FIELD_MESSAGES.mediaUrlRequired,
  );
  assert.equal(
    errorOf("set_media", { media_url: `${FIRST}?${"a".repeat(2_048)}` }),
    FIELD_MESSAGES.mediaUrlRequired,
  );
  assert.equal(errorOf("queue_add", { media_url: FIRST, title: 5 }), FIELD_MESSAGES.title);
  assert.equal(
    errorOf("queue_add", { media_url: FIRST, title: "é".repeat(201) }),
    FIELD_MESSAGES.title,
  );
  assert.equal(
    errorOf("queue_add", { media_url: FIRST, media_id: "a b" }),
    ERRORS.invalidMediaId.message,
  );
  assert.equal(errorOf("queue_remove", {}), FIELD_MESSAGES.itemId);
  assert.equal(errorOf("queue_move", { item_id: "1", index: -1 }), FIELD_MESSAGES.index);
  assert.equal(errorOf("queue_move", { item_id: "1", index: 1.5 }), FIELD_MESSAGES.index);
  assert.equal(errorOf("ready", { state: "finished" }), FIELD_MESSAGES.readiness);
  const ok = parse("set_media", { media_url: FIRST, title: "  \u202Eevil\u0007 title  " });
  assert.ok(ok.ok && ok.message.type === "set_media");
  assert.equal(ok.message.payload.title, "evil title");
  assert.equal(ok.message.payload.media_id, null);
  const blank = parse("queue_add", { media_url: FIRST, title: "   " });
  assert.ok(blank.ok && blank.message.type === "queue_add");
  assert.equal(blank.message.payload.title, null);
  const ended = parse("ready", { state: "ended" });
  assert.ok(ended.ok && ended.message.type === "ready");
  assert.equal(ended.message.payload.state, "ended");
});
