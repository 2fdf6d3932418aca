import assert from "node:assert/strict";
import { build, DEFAULT_TIMINGS, encode, ROOM_LIST_COALESCE_MS } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { testRegistry } from "../helpers/registry.ts";

function setup(maxRooms = 100) {
  const clock = new ManualClock();
  let n = 0;
  const registry = new RoomRegistry({
    clock,
    timings: DEFAULT_TIMINGS,
    maxMembersPerRoom: 20,
    maxRooms,
    newRoomId: () => `room-${++n}`,
  });
  const watcher = new FakeMember("watcher");
  registry.addListener(watcher);
  // Entering the lobby brings the current list at once.
  assert.deepEqual(watcher.types(), ["room_list"]);
  watcher.clear();
  return { clock, registry, watcher };
}

const create = (registry: RoomRegistry, host: string) =>
  registry.create({ host: new FakeMember(host), name: host, mediaId: null, startPosition: 0 });

Deno.test("room_list: the first change goes out at once, a burst rides on one trailing broadcast", () => {
  const { clock, registry, watcher } = setup();
  create(registry, "a");
  assert.equal(watcher.all("room_list").length, 1);
  clock.advance(10);
  create(registry, "b");
  create(registry, "c");
  const joiner = new FakeMember("joiner");
  registry.ports.attach(joiner.id, joiner);
  registry.get("room-1")!.post({ kind: "join", from: joiner });
  assert.equal(watcher.all("room_list").length, 1);
  clock.advance(ROOM_LIST_COALESCE_MS - 11);
  assert.equal(watcher.all("room_list").length, 1);
  clock.advance(1);
  const lists = watcher.all("room_list");
  assert.equal(lists.length, 2);
  // The trailing broadcast carries the latest state of every room.
  assert.deepEqual(lists[1]!.payload, [
    { id: "room-1", name: "a", count: 2, media_id: null, locked: false },
    { id: "room-2", name: "b", count: 1, media_id: null, locked: false },
    { id: "room-3", name: "c", count: 1, media_id: null, locked: false },
  ]);
  clock.advance(ROOM_LIST_COALESCE_MS * 4);
  assert.equal(watcher.all("room_list").length, 2);
});

Deno.test("room_list: a closed room disappears; removed listeners hear nothing", () => {
  const { clock, registry, watcher } = setup();
  const host = new FakeMember("h");
  const room = registry.create({ host, name: "x", mediaId: null, startPosition: 0 })!;
  clock.advance(ROOM_LIST_COALESCE_MS);
  registry.leaveCurrentRoom(host);
  assert.deepEqual(watcher.last("room_list")!.payload, []);
  assert.equal(registry.roomCount, 0);
  assert.equal(registry.get(room.id), undefined);
  registry.removeListener(watcher);
  watcher.clear();
  create(registry, "y");
  clock.advance(ROOM_LIST_COALESCE_MS);
  assert.deepEqual(watcher.types(), []);
});

Deno.test("the registry refuses rooms past its maximum", () => {
  const { registry } = setup(2);
  assert.ok(create(registry, "a"));
  assert.ok(create(registry, "b"));
  assert.equal(create(registry, "c"), null);
  assert.ok(registry.hasRoomFor(1));
  assert.ok(!registry.hasRoomFor(0));
});

Deno.test("shutdown closes every room and clears the list timer", () => {
  const { clock, registry } = setup();
  const member = new FakeMember("m");
  registry.ports.attach(member.id, member);
  create(registry, "a")!.post({ kind: "join", from: member });
  create(registry, "b");
  registry.shutdown();
  assert.equal(registry.roomCount, 0);
  assert.equal(member.last("room_closed")!.payload.reason, "Server shutting down");
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("listFrame: same text as encoding the message, and a new list after every change", () => {
  const { clock, registry } = setup();
  const room = create(registry, "a")!;
  const first = registry.listFrame(clock.now());
  assert.equal(first.text, encode(build.roomList(registry.list(), clock.now())).text);
  clock.advance(5);
  // Unchanged list, new instant: server_ts follows the clock.
  assert.equal(JSON.parse(registry.listFrame(clock.now()).text).server_ts, clock.now());
  const joiner = new FakeMember("j");
  registry.ports.attach(joiner.id, joiner);
  room.post({ kind: "join", from: joiner });
  assert.equal(JSON.parse(registry.listFrame(clock.now()).text).payload[0].count, 2);
  create(registry, "b");
  assert.equal(JSON.parse(registry.listFrame(clock.now()).text).payload.length, 2);
  registry.leaveCurrentRoom(new FakeMember("a"));
  assert.deepEqual(
    JSON.parse(registry.listFrame(clock.now()).text).payload.map((r: { name: string }) => r.name),
    ["b"],
  );
});

Deno.test("room_list: a broadcast that wrote a lot stretches the window to fit the byte budget", () => {
  const clock = new ManualClock();
  // 1 KB a second for list traffic; 4 listeners.
  const registry = testRegistry(clock, { maxRooms: 100, listMaxBytesPerSecond: 1_000 });
  const watchers = ["w1", "w2", "w3", "w4"].map((id) => new FakeMember(id));
  for (const watcher of watchers) registry.addListener(watcher);
  for (const watcher of watchers) watcher.clear();
  create(registry, "a".repeat(90)); // broadcast at once
  const sent = watchers[0]!.frames[0]!.text.length * watchers.length;
  const gap = Math.ceil((sent / 1_000) * 1_000);
  assert.ok(gap > ROOM_LIST_COALESCE_MS, `gap ${gap} should exceed the window`);
  create(registry, "b");
  clock.advance(gap - 1);
  assert.equal(watchers[0]!.all("room_list").length, 1);
  clock.advance(1);
  assert.equal(watchers[0]!.all("room_list").length, 2);
  assert.equal(watchers[0]!.last("room_list")!.payload.length, 2);
});

/** A registry with two lobby connections that are also ready to be members. */
function lobbySetup() {
  const { clock, registry, watcher } = setup();
  const host = new FakeMember("host");
  registry.addListener(host);
  host.clear();
  return { clock, registry, watcher, host };
}

Deno.test("lobby: room members get no pushes; the lobby does", () => {
  const { clock, registry, watcher, host } = lobbySetup();
  registry.createFor({ host, name: "Film", mediaId: null, startPosition: 0 });
  assert.deepEqual(host.types(), ["room_state"]);
  assert.equal(watcher.all("room_list").length, 1);
  clock.advance(ROOM_LIST_COALESCE_MS);
  create(registry, "other");
  clock.advance(ROOM_LIST_COALESCE_MS);
  assert.deepEqual(host.types(), ["room_state"]);
  assert.equal(watcher.all("room_list").length, 2);
  assert.equal(registry.lobbySize, 1);
});

Deno.test("lobby: leaving a room brings the current list at once, once", () => {
  const { clock, registry, watcher, host } = lobbySetup();
  registry.createFor({ host, name: "Film", mediaId: null, startPosition: 0 });
  create(registry, "other");
  const guest = new FakeMember("guest");
  registry.addListener(guest);
  registry.join(guest, "room-1");
  clock.advance(ROOM_LIST_COALESCE_MS);
  guest.clear();
  watcher.clear();
  registry.leaveCurrentRoom(guest);
  // The list already counts the guest out of the room.
  assert.deepEqual(guest.types(), ["room_list"]);
  assert.deepEqual(guest.last("room_list")!.payload.map((room) => room.count), [1, 1]);
  // The lobby's push of the same change does not reach the guest a second time.
  clock.advance(ROOM_LIST_COALESCE_MS * 2);
  assert.equal(guest.all("room_list").length, 1);
  assert.equal(watcher.all("room_list").length, 1);
});

Deno.test("lobby: when a room closes its members get room_closed, then the list without it", () => {
  const { registry, host } = lobbySetup();
  registry.createFor({ host, name: "Film", mediaId: null, startPosition: 0 });
  const guest = new FakeMember("guest");
  registry.addListener(guest);
  registry.join(guest, "room-1");
  guest.clear();
  host.clear();
  registry.leaveCurrentRoom(host);
  assert.deepEqual(guest.types(), ["room_closed", "room_list"]);
  assert.deepEqual(guest.last("room_list")!.payload, []);
  // The host left explicitly: it is back in the lobby too.
  assert.deepEqual(host.types(), ["room_list"]);
  assert.deepEqual(host.last("room_list")!.payload, []);
});

Deno.test("lobby: moving between rooms passes no list, and a full room costs nothing", () => {
  const { registry, host } = lobbySetup();
  registry.createFor({ host, name: "A", mediaId: null, startPosition: 0 });
  const other = new FakeMember("other");
  registry.addListener(other);
  registry.createFor({ host: other, name: "B", mediaId: null, startPosition: 0 });
  const guest = new FakeMember("guest");
  registry.addListener(guest);
  registry.join(guest, "room-1");
  guest.clear();
  assert.equal(registry.join(guest, "room-2"), null);
  assert.deepEqual(guest.types(), ["room_state"]);
  assert.equal(registry.roomOf("guest"), "room-2");
  // A host starting a new room: its old room closes, no list reaches it in between.
  host.clear();
  registry.createFor({ host, name: "A2", mediaId: null, startPosition: 0 });
  assert.deepEqual(host.types(), ["room_state"]);
  assert.equal(registry.lobbySize, 1); // only the watcher
});

Deno.test("lobby: a connection that is gone is never sent a list", () => {
  const { registry, host } = lobbySetup();
  registry.createFor({ host, name: "Film", mediaId: null, startPosition: 0 });
  const guest = new FakeMember("guest");
  registry.addListener(guest);
  registry.join(guest, "room-1");
  guest.clear();
  // A disconnect: the connection stops listening, then leaves its room.
  registry.removeListener(guest);
  registry.leaveCurrentRoom(guest);
  assert.deepEqual(guest.types(), []);
  assert.equal(registry.lobbySize, 1);
});
