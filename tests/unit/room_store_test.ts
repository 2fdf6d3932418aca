/**
 * Where rooms are kept: the file store (one record per room, written whole and renamed; a
 * crash's temporary file is cleaned up and the record before it stands; a damaged file is
 * reported, not fatal; a secret is made once and kept; no path from a strange id) and the
 * saver on a ManualClock (a burst of changes is one write, a failed write is tried again a
 * second later, a closed room's record is removed, a memory-only store writes nothing).
 */
import assert from "node:assert/strict";
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import { silentLogger } from "../../server/log.ts";
import { FileStore } from "../../store/file_store.ts";
import { RoomSaver, SAVE_COALESCE_MS, SAVE_RETRY_MS } from "../../store/room_saver.ts";
import { MemoryOnlyStore, type RoomStore } from "../../store/room_store.ts";
import { FakeMember } from "../helpers/fake_member.ts";

Deno.test("file store: save, replace, load, remove; a crash's temporary file and a damaged record", async () => {
  const dir = await Deno.makeTempDir({ prefix: "owp-store-" });
  try {
    const store = new FileStore(dir);
    assert.deepEqual(await store.loadRooms(), { records: [], unreadable: [] });
    await store.saveRoom("room-a", { v: 1 });
    await store.saveRoom("room-a", { v: 2 });
    await store.saveRoom("room-b", { v: 9 });
    // A crash mid-write leaves a temporary file: the record before it stands, the file goes.
    await Deno.writeTextFile(`${dir}/rooms/room-a.json.7.tmp`, '{"v":');
    await Deno.writeTextFile(`${dir}/rooms/room-c.json`, "not json");
    const loaded = await store.loadRooms();
    const values = loaded.records.map((r) => (r as { v: number }).v).sort();
    assert.deepEqual(values, [2, 9]);
    assert.deepEqual(loaded.unreadable, ["room-c"]);
    const names = [];
    for await (const entry of Deno.readDir(`${dir}/rooms`)) names.push(entry.name);
    assert.ok(!names.some((name) => name.endsWith(".tmp")), names.join(", "));
    await store.removeRoom("room-a");
    await store.removeRoom("room-a"); // gone already: fine
    assert.deepEqual((await store.loadRooms()).records, [{ v: 9 }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file store: writes to one room land in the order made", async () => {
  const dir = await Deno.makeTempDir({ prefix: "owp-store-" });
  try {
    const store = new FileStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, v) => store.saveRoom("room-a", { v })));
    assert.deepEqual((await store.loadRooms()).records, [{ v: 19 }]);
    await Promise.all([store.saveRoom("room-a", { v: 20 }), store.removeRoom("room-a")]);
    assert.deepEqual((await store.loadRooms()).records, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file store: a secret is made once and kept; ids that are not ours make no path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "owp-store-" });
  try {
    let made = 0;
    const make = () => `secret-${++made}`;
    assert.equal(await new FileStore(dir).secret("resume", make), "secret-1");
    assert.equal(await new FileStore(dir).secret("resume", make), "secret-1", "kept");
    assert.equal(made, 1);
    const mode = (await Deno.stat(`${dir}/secrets/resume`)).mode! & 0o777;
    assert.equal(mode, 0o600);
    const store = new FileStore(dir);
    assert.throws(() => store.saveRoom("../escape", {}), /not a room id/);
    await assert.rejects(() => store.secret("../x", make), /not a secret/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A store that records what it was asked and can be made to fail. */
class RecordingStore implements RoomStore {
  readonly durable = true;
  readonly saves: { id: string; seq: number }[] = [];
  readonly removed: string[] = [];
  failing = false;
  loadRooms() {
    return Promise.resolve({ records: [], unreadable: [] });
  }
  saveRoom(roomId: string, record: unknown) {
    if (this.failing) return Promise.reject(new Error("disk full"));
    this.saves.push({ id: roomId, seq: (record as { seq: number }).seq });
    return Promise.resolve();
  }
  removeRoom(roomId: string) {
    this.removed.push(roomId);
    return Promise.resolve();
  }
  secret(_name: string, make: () => string) {
    return Promise.resolve(make());
  }
}

function savedParty(store: RoomStore) {
  const clock = new ManualClock();
  let saver: RoomSaver | null = null;
  const registry = new RoomRegistry({
    clock,
    timings: DEFAULT_TIMINGS,
    maxMembersPerRoom: 20,
    maxRooms: 10,
    newRoomId: () => "room-1",
    events: {
      roomChanged: (roomId) => saver!.changed(roomId),
      roomClosed: (roomId) => saver!.closed(roomId),
    },
  });
  saver = new RoomSaver(store, (roomId) => registry.get(roomId), clock, silentLogger);
  const host = new FakeMember("host", "Hana");
  const room = registry.create({ host, name: "Kept", mediaId: null, startPosition: 0 })!;
  return { clock, registry, room, host, saver };
}

/** Lets the saver's promises run (the store here answers at once). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("saver: a burst of changes is one write of the latest state; state updates are not saved", async () => {
  const store = new RecordingStore();
  const { registry, clock, room, host } = savedParty(store);
  for (const id of ["a", "b", "c"]) {
    const joiner = new FakeMember(id);
    registry.ports.attach(joiner.id, joiner);
    room.post({ kind: "join", from: joiner });
  }
  room.post({ kind: "chat", from: host, text: "hi" });
  assert.equal(store.saves.length, 0, "not before the coalescing delay");
  clock.advance(SAVE_COALESCE_MS);
  await settle();
  assert.equal(store.saves.length, 1);
  assert.equal(store.saves[0]!.seq, room.record().seq, "the state as it was then");
  room.post({ kind: "state_update", from: host, position: 3, playState: "paused" });
  clock.advance(SAVE_COALESCE_MS * 10);
  await settle();
  assert.equal(store.saves.length, 1, "a state update changes nothing kept");
});

Deno.test("saver: a failed write is tried again a second later; a closed room's record goes", async () => {
  const store = new RecordingStore();
  const { clock, room, host, saver } = savedParty(store);
  store.failing = true;
  room.post({ kind: "chat", from: host, text: "hi" });
  clock.advance(SAVE_COALESCE_MS);
  await settle();
  assert.equal(saver.failed, 1);
  store.failing = false;
  clock.advance(SAVE_RETRY_MS - 1);
  await settle();
  assert.equal(store.saves.length, 0, "not sooner");
  clock.advance(1);
  await settle();
  assert.equal(store.saves.length, 1);
  room.post({ kind: "leave", from: host });
  await settle();
  assert.deepEqual(store.removed, ["room-1"]);
});

Deno.test("saver: with a memory-only store nothing is written, nothing is timed", () => {
  const { clock, room, host } = savedParty(new MemoryOnlyStore());
  room.post({ kind: "chat", from: host, text: "hi" });
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("saver: after the last saves of a process, nothing more is written", async () => {
  const store = new RecordingStore();
  const { clock, registry, room, host, saver } = savedParty(store);
  room.post({ kind: "chat", from: host, text: "hi" });
  await saver.saveAll(registry.rooms());
  assert.equal(store.saves.length, 1);
  // Sockets close as the process stops: the members go away. Not written any more.
  room.post({ kind: "away", memberId: "host" });
  clock.advance(SAVE_RETRY_MS * 2);
  await settle();
  assert.equal(store.saves.length, 1);
});
