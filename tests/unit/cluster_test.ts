/**
 * The cluster without Redis, on manual clocks: clock offsets between instances, time conversion
 * of frames, commands to and from the wire, and real Cluster instances (an owner instance and a
 * member's instance) on the memory bus, which carries the same messages Redis would
 * (tests/helpers/cluster_world.ts). More of them, with outages and adoption, in
 * cluster_bus_test.ts.
 */
import assert from "node:assert/strict";
import { build, DEFAULT_TIMINGS, type ServerMessage } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import {
  type MemberCommand,
  MemberPorts,
  refOf,
  senderOf,
  withLocalTimes,
} from "../../rooms/mod.ts";
import { encodeHash } from "../../rooms/password_codec.ts";
import { HEARTBEATS_PER_LEASE } from "../../cluster/constants.ts";
import { DirectoryMirror, recordOf } from "../../cluster/directory.ts";
import { type Deferred, MemberSide, type PendingRequest } from "../../cluster/member_side.ts";
import { convertTimes, PeerClocks } from "../../cluster/peer_clocks.ts";
import {
  DirectoryRecordSchema,
  parsePeer,
  type PeerMessage,
  PeerMessageSchema,
} from "../../cluster/peer_messages.ts";
import { RemoteRoom } from "../../cluster/remote_room.ts";
import { clusterWorld, WORLD_LEASE_MS } from "../helpers/cluster_world.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { testRegistry } from "../helpers/registry.ts";

Deno.test("clock offset: the sample with the shortest round trip wins", () => {
  const clocks = new PeerClocks();
  // The peer is 500 ms ahead. A slow round trip whose delay was all on the way back...
  clocks.record("b", 1_000, 1_505, 1_040);
  // ...and a quick one.
  clocks.record("b", 2_000, 2_502, 2_004);
  const estimate = clocks.estimate("b")!;
  assert.equal(estimate.rttMs, 4);
  assert.equal(estimate.offsetMs, 500);
  assert.equal(clocks.toLocal("b", 10_500), 10_000);
  assert.equal(clocks.toLocal("unknown", 10_500), 10_500);
});

Deno.test("clock offset: no correction while it is within its own uncertainty", () => {
  const clocks = new PeerClocks();
  clocks.record("b", 1_000, 1_004, 1_006); // offset 1 ms, round trip 6 ms: noise
  assert.equal(clocks.correction("b"), 0);
  clocks.record("b", 2_000, 2_010.6, 2_002); // offset 9.6 ms, round trip 2 ms: real
  assert.equal(clocks.correction("b"), 10);
});

Deno.test("a frame's times, chat history and deadlines included, move into the local clock", () => {
  const frames: ServerMessage[] = [
    build.chatHistory("r", [{ client: "a", username: "A", text: "hi", server_ts: 5_000 }], 6_000),
    build.waitingOn("r", { waiting: [], deadline_ts: 7_000 } as never, 6_000),
  ];
  for (const frame of frames) convertTimes(frame, (t) => t - 1_000);
  assert.equal(frames[0]!.server_ts, 5_000);
  assert.equal(
    (frames[0]!.payload as { messages: { server_ts: number }[] }).messages[0]!.server_ts,
    4_000,
  );
  assert.equal((frames[1]!.payload as { deadline_ts: number }).deadline_ts, 6_000);
});

Deno.test("every room command a member can send travels as itself, its times converted", () => {
  const from = { id: "m1", name: "Ann" };
  const commands: MemberCommand[] = [
    { kind: "join", from, admitted: true, name: "Annie" },
    { kind: "leave", from, hostCode: "host_left" },
    { kind: "ready", from, readiness: "buffering" },
    {
      kind: "player_event",
      from,
      action: "seek",
      position: 12.5,
      playState: "playing",
      timing: { atServerTs: 10_000, deferred: false },
    },
    { kind: "state_update", from, position: 3, playState: "paused", atServerTs: 10_000 },
    { kind: "chat", from, text: "hello" },
    { kind: "away", memberId: "m1" },
    { kind: "resume", memberId: "m0", connection: from, lastSeq: 4, resumeToken: null },
    { kind: "resync", from, lastSeq: 7 },
    { kind: "transfer_host", from, to: "m2" },
    { kind: "start_anyway", from },
    { kind: "set_rate", from, rate: 1.5, atServerTs: 10_000 },
    { kind: "set_control", from, control: "everyone" },
    { kind: "set_cohost", from, to: "m2", cohost: true },
    {
      kind: "set_room_options",
      from,
      password: encodeHash({
        salt: new Uint8Array([1, 2, 3]),
        hash: new Uint8Array([9, 8]),
        iterations: 7,
      }),
      unlisted: true,
    },
    { kind: "set_room_options", from, password: null, handoff: false },
    { kind: "set_room_options", from, handoff: true },
    { kind: "media", from, op: { op: "remove", itemId: "3" } },
  ];
  for (const command of commands) {
    const text = JSON.stringify({ t: "cmd", from: "B", room: "r", rtt: 42, cmd: command });
    const message = parsePeer(PeerMessageSchema, text);
    assert.ok(message?.t === "cmd", command.kind);
    const local = withLocalTimes(message.cmd, (t) => t - 1_000);
    const expected = JSON.parse(JSON.stringify(command).replaceAll("10000", "9000"));
    assert.deepEqual(local, expected, command.kind);
  }
  // A command that is not one of them, or is malformed, is not a peer message at all.
  for (const cmd of [{ kind: "close", code: "server_shutdown" }, { kind: "chat", text: "x" }]) {
    const text = JSON.stringify({ t: "cmd", from: "B", room: "r", rtt: null, cmd });
    assert.equal(parsePeer(PeerMessageSchema, text), null, cmd.kind);
  }
});

/** Instance A owns the rooms; instance B has the members' connections (B = A − `skewMs`). */
async function aAndB(skewMs: number) {
  const world = clusterWorld({ skews: { A: 0, B: skewMs } });
  await world.start();
  const a = world.instance("A");
  const b = world.instance("B");
  /** What A sent B since the last clear, parsed by the peer schema as B parses it. */
  const toB: PeerMessage[] = [];
  world.bus.tap = (from, to, text) => {
    if (from === "A" && to === "B") toB.push(parsePeer(PeerMessageSchema, text)!);
  };
  return {
    ...world,
    clockA: a.clock,
    clockB: b.clock,
    registryA: a.registry,
    registryB: b.registry,
    toB,
    pump: world.settle,
    joinFromB: (id: string, roomId: string) => world.join(id, roomId, "B"),
    [Symbol.asyncDispose]: world.close,
  };
}

Deno.test("a broadcast to three members on one instance travels once, with their three ids", async () => {
  await using world = await aAndB(0);
  const { host, room } = await world.openRoom();
  const members: FakeMember[] = [];
  for (const id of ["m1", "m2", "m3"]) members.push(await world.joinFromB(id, room.id));
  world.toB.length = 0;
  room.post({ kind: "chat", from: host, text: "hello everyone" });
  await world.pump();
  assert.equal(world.toB.length, 1, "one message to instance B");
  const out = world.toB[0]!;
  assert.equal(out.t, "out");
  const frames = out.t === "out" ? out.items.filter((i) => "f" in i) : [];
  assert.equal(frames.length, 1);
  assert.deepEqual("to" in frames[0]! ? frames[0].to : [], ["m1", "m2", "m3"]);
  for (const member of members) {
    assert.equal(member.last("chat_message")?.payload.text, "hello everyone");
  }
  // Encoded once on B too: the three members got the very same frame.
  assert.ok(members.every((m) => m.frames.at(-1) === members[0]!.frames.at(-1)));
});

Deno.test("a member on a skewed instance is told instants in its own instance's clock", async () => {
  await using world = await aAndB(5_000);
  const { host, room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  assert.equal(world.registryB.roomOf("m1"), room.id, "B knows where its connection is");
  room.post({ kind: "ready", from: new FakeMember("m1") });
  await world.pump();
  room.post({
    kind: "player_event",
    from: host,
    action: "play",
    position: 10,
    playState: null,
    timing: { atServerTs: null, deferred: false },
  });
  await world.pump();
  const play = member.last("player_event")!;
  const targetOnA = world.clockA.now() + DEFAULT_TIMINGS.playScheduleMs;
  assert.equal(play.payload.target_server_ts, targetOnA - 5_000);
  room.post({ kind: "chat", from: host, text: "now" });
  await world.pump();
  assert.equal(member.last("chat_message")!.server_ts, world.clockB.now());
});

Deno.test("a member's leave reaches the owner, and its instance puts it back in the lobby", async () => {
  await using world = await aAndB(0);
  const { host, room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  world.registryB.leaveCurrentRoom(member);
  await world.pump();
  assert.equal(host.last("client_left")?.client, "m1");
  assert.equal(world.registryB.roomOf("m1"), undefined);
  assert.equal(world.registryA.get(room.id)!.memberCount, 1);
});

Deno.test("a remote room closing says so to its members, and their instance forgets it", async () => {
  await using world = await aAndB(0);
  const { room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  room.post({ kind: "close", code: "host_left" });
  await world.pump();
  assert.equal(member.last("room_closed")?.payload.reason, "Host left the room");
  assert.equal(world.registryB.roomOf("m1"), undefined);
});

Deno.test("an owner that died: its rooms close for the members on this instance", async () => {
  await using world = await aAndB(0);
  const { room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  // A dies: cut off, its clock stopped. Its lease runs out, and B's next heartbeats see it.
  world.bus.cutOff("A");
  world.freeze("A");
  await world.advance(WORLD_LEASE_MS + WORLD_LEASE_MS / HEARTBEATS_PER_LEASE);
  assert.equal(member.last("room_closed")?.payload.reason, "The room's server stopped");
  assert.equal(world.registryB.roomOf("m1"), undefined);
});

Deno.test("leaves and aways kept during an outage: sent when either side is back, until the owner surely heard", () => {
  const clock = new ManualClock();
  const registry = testRegistry(clock);
  const side = new MemberSide(registry, new PeerClocks(), () => clock.now());
  const away = (memberId: string) => ({ kind: "away", memberId } as const);
  const idOf = (d: Deferred) => senderOf(d.cmd)!.id;
  side.defer({ owner: "A", room: "r1", cmd: away("m1") });
  side.defer({ owner: "A", room: "r1", cmd: { kind: "leave", from: { id: "m1", name: "" } } });
  side.defer({ owner: "A", room: "r1", cmd: away("m1") }); // stale
  side.defer({ owner: "B", room: "r2", cmd: away("m2") });
  // We are back first: everything goes out, and is kept (the owners may not be back yet).
  assert.deepEqual(side.deferredFor(undefined, false).map((d) => [idOf(d), d.cmd.kind]), [
    ["m1", "leave"],
    ["m2", "away"],
  ]);
  // A says it is back: A's go out a last time.
  assert.deepEqual(side.deferredFor("A", true).map(idOf), ["m1"]);
  assert.deepEqual(side.deferredFor("A", true), []);
  // m2 resumed meanwhile (its owner adopted a connection as m2): its away must never be resent.
  side.deliver("B", [{ ev: "adopt", member: "fresh-connection", as: "m2" }]);
  assert.deepEqual(side.deferredFor("B", true), []);
  // Old ones expire.
  side.defer({ owner: "C", room: "r3", cmd: away("m3") });
  clock.advance(30_001);
  side.expireDeferred(30_000);
  assert.deepEqual(side.deferredFor(undefined, false), []);
});

Deno.test("a member its instance was told had left, still counted by the owner, gets nothing and is let go", async () => {
  await using world = await aAndB(0);
  const { host, room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  // B lost the owner for a lease (a partition) and closed the room for m1; the owner lived on.
  world.bus.cutOff("A");
  await world.advance(WORLD_LEASE_MS + WORLD_LEASE_MS / HEARTBEATS_PER_LEASE);
  assert.equal(member.last("room_closed")?.payload.code, "owner_gone");
  world.bus.reconnect("A");
  await world.advance(WORLD_LEASE_MS / HEARTBEATS_PER_LEASE);
  member.clear();
  room.post({ kind: "chat", from: host, text: "still there?" });
  await world.pump();
  // Nothing of the room's; only its lobby's list (where m1 is now), as the room shrank.
  assert.deepEqual(member.types().filter((type) => type !== "room_list"), []);
  assert.equal(room.memberCount, 1, "the owner let the stray go");
  assert.equal(member.last("room_list")?.payload.find((r) => r.id === room.id)?.count, 1);
  assert.equal(host.last("client_left")?.client, "m1");
});

Deno.test("a command lost on the way to its owner (Redis dropped in flight): its sender hears so; a leave is kept", () => {
  const record = recordOf(
    testRegistry(new ManualClock(), { maxMembersPerRoom: 5, maxRooms: 5 })
      .create({ host: new FakeMember("h"), name: "R", mediaId: null, startPosition: 0 })!,
    "A",
  );
  const mirror = new DirectoryMirror("B");
  mirror.set(record);
  const inFlight: (() => void)[] = [];
  const deferred: string[] = [];
  const sender = new FakeMember("m1");
  const ports = new MemberPorts();
  ports.attach(sender.id, sender);
  const room = new RemoteRoom(mirror.get(record.summary.id)!, {
    now: () => 0,
    ports,
    sendCommand: (_owner, _room, _cmd, failed) => {
      inFlight.push(failed!);
      return true; // Redis looked up when it was sent
    },
    defer: (_owner, _room, cmd) => deferred.push(`${senderOf(cmd)!.id}:${cmd.kind}`),
  });
  room.post({ kind: "chat", from: sender, text: "hello?" });
  room.post({ kind: "leave", from: sender });
  for (const failed of inFlight) failed();
  assert.equal(sender.last("error")?.payload.code, "room_unreachable");
  assert.deepEqual(deferred, ["m1:leave"]);
});

Deno.test("the directory mirror: ours never, a known record again is no change, a new owner's is, a stale owner's is not", () => {
  const registry = testRegistry(new ManualClock(), { maxMembersPerRoom: 5, maxRooms: 5 });
  const room = registry.create({
    host: new FakeMember("h"),
    name: "R",
    mediaId: null,
    startPosition: 0,
  })!;
  const mirror = new DirectoryMirror("B");
  assert.equal(mirror.set(recordOf(room, "B")), null, "our own room");
  assert.equal(mirror.set(recordOf(room, "A", 1)), "changed");
  assert.equal(mirror.set(recordOf(room, "A", 1)), null, "reloaded, unchanged");
  assert.equal(mirror.delete(room.id, "C"), false, "not C's to remove");
  assert.deepEqual(mirror.ownedBy("A"), [room.id]);
  // A adopted by C (kept rooms): the epoch rose; A's late announcements change nothing.
  assert.equal(mirror.set(recordOf(room, "C", 2)), "moved");
  assert.equal(mirror.set(recordOf(room, "A", 1)), null, "a stale owner's entry");
  assert.equal(mirror.delete(room.id, "C", 1), false, "a stale removal");
  assert.deepEqual(mirror.ownedBy("C"), [room.id]);
  // Adopted by us: no longer mirrored.
  assert.equal(mirror.set(recordOf(room, "B", 3)), null);
  assert.equal(mirror.get(room.id), undefined);
  assert.equal(mirror.set(recordOf(room, "A", 4)), "changed");
  assert.equal(mirror.delete(room.id, "A"), true);
});

Deno.test("room options across instances: a host on another instance sets them; the directory copy learns locked and unlisted", async () => {
  await using world = await aAndB(0);
  const { host, room } = await world.openRoom();
  const member = await world.joinFromB("m1", room.id);
  const remote = world.registryB.handle(room.id)!;
  // Not the host yet: refused by the owner, and the refusal travels back.
  remote.post({ kind: "set_room_options", from: new FakeMember("m1"), unlisted: true });
  await world.pump();
  assert.equal(member.last("error")?.payload.code, "not_host");
  room.post({ kind: "transfer_host", from: host, to: "m1" });
  await world.pump();
  const hash = { salt: new Uint8Array([1, 2, 3]), hash: new Uint8Array([4, 5, 6]), iterations: 1 };
  remote.post({
    kind: "set_room_options",
    from: new FakeMember("m1"),
    password: encodeHash(hash),
    unlisted: true,
    handoff: true,
  });
  await world.pump();
  const state = member.last("room_state")!.payload;
  assert.deepEqual([state.locked, state.unlisted, state.handoff], [true, true, true]);
  assert.deepEqual(room.password, hash);
  const record = recordOf(room, "A");
  assert.equal(record.unlisted, true);
  assert.equal(record.summary.locked, true);
  // B's mirror takes the record from its JSON, as Redis carries it: the room leaves B's list
  // and is still reachable there by its id, with the lock's hash.
  const carried = parsePeer(DirectoryRecordSchema, JSON.stringify(record))!;
  world.registryB.showRemote(room, record.summary);
  assert.equal(world.registryB.list().length, 1);
  world.registryB.showRemote(room, carried.summary, !carried.unlisted);
  assert.deepEqual(world.registryB.list(), []);
  const mirror = new DirectoryMirror("B");
  assert.equal(mirror.set(carried), "changed");
  assert.deepEqual(mirror.get(room.id)!.password, hash);
  // A record from an instance that predates `unlisted` is listed.
  const { unlisted: _, ...old } = record;
  assert.equal(parsePeer(DirectoryRecordSchema, JSON.stringify(old))!.unlisted, false);
});

Deno.test("a join or resume waiting for a room's new owner: answered ends the wait, unanswered gets room_unreachable", () => {
  const clock = new ManualClock();
  const registry = testRegistry(clock, { maxRooms: 100 });
  const side = new MemberSide(registry, new PeerClocks(), () => clock.now());
  const eve = new FakeMember("eve", "Eve");
  const dan = new FakeMember("dan", "Dan");
  registry.addListener(eve);
  registry.addListener(dan);
  const idOf = (pending: PendingRequest) => senderOf(pending.cmd)!.id;
  side.requestSent({
    room: "r1",
    cmd: { kind: "join", from: refOf(eve), admitted: false },
    at: clock.now(),
  });
  side.requestSent({
    room: "r1",
    cmd: {
      kind: "resume",
      memberId: "dan-old",
      connection: refOf(dan),
      lastSeq: 4,
      resumeToken: "t",
    },
    at: clock.now(),
  });
  assert.deepEqual(side.pendingRequests("r1").map(idOf), ["eve", "dan"]);
  // The owner answers Dan (its frames reach him): his wait is over.
  side.deliver("B", [{ to: ["dan"], f: { type: "error", room: "r1", payload: {}, server_ts: 0 } }]);
  assert.deepEqual(side.pendingRequests("r1").map(idOf), ["eve"]);
  clock.advance(1_000);
  side.expireRequests(1_000);
  assert.deepEqual(eve.all("error"), [], "not yet: still within the wait");
  clock.advance(1);
  side.expireRequests(1_000);
  assert.deepEqual(side.pendingRequests("r1"), []);
  assert.equal(eve.last("error")?.payload.code, "room_unreachable");
  assert.equal(eve.last("error")?.room, "r1");
  assert.deepEqual(dan.all("error").length, 1, "Dan got his answer only");
});
