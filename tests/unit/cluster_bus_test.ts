/**
 * Real Cluster instances on the memory bus, on manual clocks (tests/helpers/cluster_world.ts):
 * what before could only be tried against a real Redis with real time, and polling. An owner
 * that dies or stalls, a Redis that goes away or forgets everything, rooms kept and adopted:
 * each played out by advancing the clocks and carrying what is in flight, no sleeps.
 */
import assert from "node:assert/strict";
import { HEARTBEATS_PER_LEASE } from "../../cluster/constants.ts";
import { parseRecord } from "../../cluster/directory.ts";
import { ERRORS } from "../../protocol/mod.ts";
import { clusterWorld, WORLD_LEASE_MS } from "../helpers/cluster_world.ts";
import { FakeMember } from "../helpers/fake_member.ts";

const BEAT_MS = WORLD_LEASE_MS / HEARTBEATS_PER_LEASE;

/** A connection that counts the server's requests to reconnect (a retired room's). */
class ReconnectingMember extends FakeMember {
  reconnects = 0;
  reconnect(): void {
    this.reconnects++;
  }
}

Deno.test("the heartbeats measure each instance's clock offset to every other", async () => {
  await using world = disposable(clusterWorld({ skews: { A: 0, B: 5_000, C: -1_200 } }));
  await world.start();
  const { clocks } = world.instance("B").cluster;
  // The bus carries a round trip at once on the manual clocks: the offsets are exact.
  assert.deepEqual(clocks.estimate("A"), { offsetMs: 5_000, rttMs: 0 });
  assert.deepEqual(clocks.estimate("C"), { offsetMs: 6_200, rttMs: 0 });
  assert.equal(world.instance("A").cluster.clocks.correction("B"), -5_000);
  assert.equal(world.instance("A").cluster.peerCount, 2);
});

Deno.test("a member on B joins a room owned by A: chat both ways, each on its own instance's clock", async () => {
  await using world = disposable(clusterWorld({ skews: { A: 0, B: 2_500 } }));
  await world.start();
  const a = world.instance("A");
  const b = world.instance("B");
  const { host, room } = await world.openRoom("A");
  assert.deepEqual(b.registry.list().map((r) => r.id), [room.id], "listed on B");
  const member = await world.join("m1", room.id, "B");
  assert.equal(host.last("participants_update")?.client, "m1");
  assert.equal(a.cluster.remoteMemberCount, 1);

  b.registry.handle(room.id)!.post({ kind: "chat", from: member, text: "hi from B" });
  await world.settle();
  const heard = host.last("chat_message")!;
  assert.equal(heard.payload.text, "hi from B");
  assert.equal(heard.server_ts, a.clock.now(), "A tells its own member A's time");
  assert.equal(member.last("chat_message")!.server_ts, b.clock.now(), "and B's member B's");
  // A play across skewed clocks: cluster_test.ts, "a member on a skewed instance".
});

Deno.test("an owner cut off (rooms not kept): its members elsewhere stay until its lease runs out, then hear room_closed", async () => {
  await using world = disposable(clusterWorld());
  await world.start();
  const b = world.instance("B");
  const { room } = await world.openRoom("A");
  const member = await world.join("m1", room.id, "B");
  world.bus.cutOff("A");
  world.freeze("A");
  // Its lease was renewed at most a heartbeat ago: not gone yet.
  await world.advance(WORLD_LEASE_MS - BEAT_MS);
  assert.equal(b.registry.roomOf("m1"), room.id);
  assert.equal(member.last("room_closed"), undefined);
  await world.advance(2 * BEAT_MS);
  assert.equal(member.last("room_closed")?.payload.code, "owner_gone");
  assert.equal(b.registry.roomOf("m1"), undefined);
  assert.deepEqual(b.registry.list(), [], "gone from B's list");
  assert.equal(world.bus.directory.has(room.id), false, "and from the directory");
  assert.equal(b.cluster.peerCount, 0);
});

Deno.test("a Redis outage: a chat from B is refused at once, a leave waits and reaches the owner when Redis is back", async () => {
  await using world = disposable(clusterWorld());
  await world.start();
  const b = world.instance("B");
  const { host, room } = await world.openRoom("A");
  const member = await world.join("m1", room.id, "B");
  world.bus.down();
  await world.settle();
  assert.equal(b.cluster.redisUp, false);
  b.registry.handle(room.id)!.post({ kind: "chat", from: member, text: "anyone?" });
  assert.equal(member.last("error")?.payload.code, "room_unreachable");
  b.registry.leaveCurrentRoom(member);
  await world.advance(BEAT_MS);
  assert.equal(host.last("client_left"), undefined, "kept meanwhile");
  world.bus.up();
  await world.settle();
  assert.equal(host.last("client_left")?.client, "m1");
  assert.equal(room.memberCount, 1);
  assert.equal(host.all("chat_message").length, 0, "the refused chat never arrived");
});

Deno.test("a Redis that restarted empty: every instance writes its rooms and sessions again", async () => {
  await using world = disposable(clusterWorld());
  await world.start();
  const { room } = await world.openRoom("A");
  await world.join("m1", room.id, "B");
  world.bus.down();
  await world.settle();
  world.bus.forgetEverything();
  world.bus.up();
  await world.settle();
  assert.equal(parseRecord(world.bus.directory.get(room.id)!)?.owner, "A");
  assert.deepEqual([...world.bus.instances].sort(), ["A", "B"]);
  assert.equal(world.bus.sessions.get("A")?.get("m1"), room.id);
  // A session is found from either instance.
  assert.equal((await world.instance("B").cluster.findSession("m1"))?.id, room.id);
});

Deno.test("kept rooms: the owner dies, B adopts its room once the lease runs out, and B's members carry on", async () => {
  await using world = disposable(clusterWorld({ keepRooms: true, resumeGraceMs: 60_000 }));
  await world.start();
  const b = world.instance("B");
  const { room } = await world.openRoom("A");
  const m1 = await world.join("m1", room.id, "B");
  const m2 = await world.join("m2", room.id, "B");
  await world.advance(BEAT_MS); // saved (the saver coalesces on A's clock)
  world.bus.cutOff("A");
  world.freeze("A");
  await world.advance(WORLD_LEASE_MS + 2 * BEAT_MS);
  const adopted = b.registry.get(room.id);
  assert.ok(adopted, "the room lives on B now");
  assert.equal(parseRecord(world.bus.directory.get(room.id)!)?.owner, "B");
  assert.equal(world.bus.rooms.leases.get(room.id), "B");
  for (const member of [m1, m2]) {
    assert.equal(member.last("room_closed"), undefined, `${member.id} never left`);
    assert.equal(member.last("room_state")?.room, room.id, `${member.id} has the room afresh`);
    assert.equal(b.registry.roomOf(member.id), room.id);
  }
  m1.clear();
  m2.clear();
  adopted.post({ kind: "chat", from: m1, text: "still here" });
  await world.settle();
  assert.equal(m2.last("chat_message")?.payload.text, "still here");
  assert.equal((await b.cluster.findSession("m2"))?.id, room.id, "its sessions are on B");
});

Deno.test("kept rooms: an owner that stalled past its lease is fenced off once B adopted its room", async () => {
  await using world = disposable(clusterWorld({ keepRooms: true, resumeGraceMs: 60_000 }));
  await world.start();
  const a = world.instance("A");
  const b = world.instance("B");
  const host = new ReconnectingMember("host");
  a.registry.addListener(host);
  const room = a.registry.create({ host, name: "Party", mediaId: null, startPosition: 0 })!;
  await world.settle();
  const member = await world.join("m1", room.id, "B");
  await world.advance(BEAT_MS);
  // A pauses (its clock stops, its heartbeats with it) but stays connected.
  world.freeze("A");
  await world.advance(WORLD_LEASE_MS + 2 * BEAT_MS);
  assert.ok(b.registry.get(room.id), "adopted by B");
  assert.equal(member.last("room_closed"), undefined);
  // A wakes: its next heartbeat renews the room's lease, refused at the old epoch.
  world.thaw("A");
  await world.advance(BEAT_MS);
  assert.equal(a.registry.get(room.id), undefined, "let go on A");
  assert.equal(host.reconnects, 1, "its host is asked to come back (and resume on B)");
  assert.equal(parseRecord(world.bus.directory.get(room.id)!)?.owner, "B", "B's entry stands");
  assert.ok(b.registry.get(room.id));
  // A still lists the room and reaches it where it lives now: the host comes back through A.
  assert.deepEqual(a.registry.list().map((entry) => entry.id), [room.id]);
  const back = new FakeMember("host-again");
  a.registry.addListener(back);
  assert.equal(await a.cluster.directory.resume(back, "host", null, "token"), null);
  await world.settle();
  assert.equal(back.last("resumed")?.payload.room, room.id);
  assert.equal(back.last("room_state")?.payload.host_id, "host", "still its host");
});

Deno.test("kept rooms: a clean stop lets the rooms go, and B takes them at once, not a lease later", async () => {
  await using world = disposable(clusterWorld({ keepRooms: true, resumeGraceMs: 60_000 }));
  await world.start();
  const a = world.instance("A");
  const b = world.instance("B");
  const { room } = await world.openRoom("A");
  const member = await world.join("m1", room.id, "B");
  await world.advance(BEAT_MS);
  // As a draining server does: rooms suspended, then the link closed (no clock moves).
  a.registry.suspend();
  const closing = a.cluster.close();
  await world.settle();
  await closing;
  assert.ok(b.registry.get(room.id), "taken at once");
  assert.equal(member.last("room_closed"), undefined);
  assert.equal(b.registry.roomOf("m1"), room.id);
});

/** `await using` for a world: every cluster closed at the end. */
function disposable<T extends { close(): Promise<void> }>(world: T): T & AsyncDisposable {
  return Object.assign(world, { [Symbol.asyncDispose]: () => world.close() });
}

Deno.test("a member's instance dies: the owner sets its members away once its lease ran out, and they leave when their grace does", async () => {
  const graceMs = 10_000;
  await using world = disposable(clusterWorld({ resumeGraceMs: graceMs }));
  await world.start();
  const a = world.instance("A");
  const { host, room } = await world.openRoom("A");
  await world.join("m1", room.id, "B");
  world.bus.cutOff("B");
  world.freeze("B");
  await world.advance(WORLD_LEASE_MS - BEAT_MS);
  assert.deepEqual(room.snapshot().awayIds, [], "B's lease still holds");
  await world.advance(2 * BEAT_MS);
  assert.deepEqual(room.snapshot().awayIds, ["m1"], "away, as if its socket had dropped");
  const away = host.last("participants_update")!.payload.participants.find((p) => p.id === "m1");
  assert.equal(away?.away, true);
  await world.advance(graceMs);
  assert.deepEqual(room.snapshot().memberIds, ["host"]);
  assert.equal(host.last("client_left")?.client, "m1");
  assert.equal(a.cluster.remoteMemberCount, 0, "the owner forgets it");
});

Deno.test("a join that a stale copy let through is refused by the room itself: the member keeps the room it is in", async () => {
  await using world = disposable(clusterWorld({ maxMembersPerRoom: 2 }));
  await world.start();
  const a = world.instance("A");
  const b = world.instance("B");
  const { room: wanted } = await world.openRoom("A");
  const { host: homeHost, room: home } = await world.openRoom("B", "home-host");
  const member = await world.join("m1", home.id, "B");
  homeHost.clear();
  // The last place on A goes to someone connected there; B has not heard yet.
  const late = new FakeMember("late");
  a.registry.addListener(late);
  assert.equal(a.registry.join(late, wanted.id), null);
  assert.equal(b.registry.handle(wanted.id)!.memberCount, 1, "B's copy is stale");
  assert.equal(b.registry.join(member, wanted.id), null, "the room decides, not B");
  await world.settle();
  assert.equal(member.last("error")?.payload.code, ERRORS.roomFull.code);
  assert.equal(b.registry.roomOf("m1"), home.id, "still in its room");
  assert.ok(home.snapshot().memberIds.includes("m1"));
  assert.equal(homeHost.last("participants_update"), undefined, "its room heard nothing");
  assert.equal(a.cluster.remoteMemberCount, 0, "A keeps no port for a joiner it refused");
});

Deno.test("a member switches from A's room to one on B: it leaves once B's room took it, and hears nothing more of the old one", async () => {
  await using world = disposable(clusterWorld());
  await world.start();
  const b = world.instance("B");
  const { host: oldHost, room: old } = await world.openRoom("A");
  const { room: next } = await world.openRoom("B", "next-host");
  const member = await world.join("m1", old.id, "B");
  assert.equal(b.registry.join(member, next.id), null);
  assert.equal(member.last("room_state")?.room, next.id, "B's room took it at once");
  // A has not heard of the leave yet: what its room says meanwhile is still sent to m1.
  old.post({ kind: "chat", from: oldHost, text: "still there?" });
  await world.settle();
  assert.deepEqual(member.all("chat_message"), [], "nothing of the old room after the new state");
  assert.equal(member.received.at(-1)?.room, next.id);
  assert.deepEqual(old.snapshot().memberIds, ["host"], "left A's room");
  assert.equal(oldHost.last("participants_update")?.client, "m1");
  assert.equal(b.registry.roomOf("m1"), next.id);
});
