/**
 * Room commands are data and members are reached through the port table: what the registry
 * posts for a connection survives JSON and the command schema unchanged (so it can go to another
 * instance or be stored as it is), a room holds no connection, and the port table follows a
 * connection through a resume and forgets it when it closes.
 */
import assert from "node:assert/strict";
import { ManualClock, MemberCommandSchema, MemberPorts, type RoomHandle } from "../../rooms/mod.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { recordingRoom } from "../helpers/recording_room.ts";
import { testRegistry } from "../helpers/registry.ts";

function registryWith(remote?: RoomHandle) {
  const clock = new ManualClock();
  const registry = testRegistry(clock, { resumeGraceMs: 30_000, newRoomId: () => "local" });
  if (remote) {
    // As the cluster reports a room of another instance.
    registry.showRemote(remote, {
      id: remote.id,
      name: "Elsewhere",
      count: remote.memberCount,
      media_id: null,
      locked: false,
    });
  }
  return { clock, registry };
}

Deno.test("what the registry posts for a connection is data: JSON and the schema give it back unchanged", () => {
  const { room: remote, posted } = recordingRoom("elsewhere");
  const { registry } = registryWith(remote);
  const ann = new FakeMember("ann", "Ann");
  registry.addListener(ann);
  assert.equal(registry.join(ann, "elsewhere", false, "Annie"), null);
  registry.noteJoined("elsewhere", "ann"); // as the owner would say
  registry.memberAway(ann.id);
  registry.leaveCurrentRoom(ann);
  const fresh = new FakeMember("fresh", "Ann");
  registry.addListener(fresh);
  // A session connected elsewhere: its room is the one the cluster's session index found.
  assert.equal(registry.resume(fresh, "ann-old", 3, "token", remote), null);
  assert.deepEqual(posted.map((command) => command.kind), ["join", "away", "leave", "resume"]);
  for (const command of posted) {
    const copy = JSON.parse(JSON.stringify(command));
    assert.deepEqual(copy, command, `${command.kind} is plain data`);
    assert.deepEqual(MemberCommandSchema.parse(copy), command, `${command.kind} fits its schema`);
  }
  assert.deepEqual(posted[0], {
    kind: "join",
    from: { id: "ann", name: "Ann" },
    admitted: false,
    name: "Annie",
  });
  assert.deepEqual(posted[3], {
    kind: "resume",
    memberId: "ann-old",
    connection: { id: "fresh", name: "Ann" },
    lastSeq: 3,
    resumeToken: "token",
  });
});

Deno.test("a room reaches its members through the port table: a closed connection gets nothing, a resumed one everything", () => {
  const { registry } = registryWith();
  const host = new FakeMember("host", "Hana");
  const bob = new FakeMember("bob", "Bob");
  registry.addListener(host);
  registry.addListener(bob);
  const room = registry.create({ host, name: "R", mediaId: null, startPosition: 0 })!;
  assert.equal(registry.join(bob, room.id), null);
  // Bob's socket closes: out of the table, away in the room.
  registry.removeListener(bob);
  registry.memberAway(bob.id);
  assert.equal(registry.ports.portOf("bob"), undefined);
  bob.clear();
  room.post({ kind: "chat", from: host, text: "anyone?" });
  assert.deepEqual(bob.types(), [], "nothing to a closed connection");
  // He comes back on a new connection: the room re-keys its port to his session in the step
  // that accepts it, and he gets the room afresh and what follows.
  const again = new FakeMember("bob-2", "Bob");
  registry.addListener(again);
  again.clear(); // the room list, on entering the lobby
  assert.equal(registry.resume(again, "bob", null, "t"), null);
  assert.equal(again.id, "bob", "the connection is Bob's session now");
  assert.equal(registry.ports.portOf("bob"), again);
  assert.equal(registry.ports.portOf("bob-2"), undefined);
  assert.deepEqual(again.types().slice(0, 2), ["resumed", "room_state"]);
  room.post({ kind: "chat", from: host, text: "welcome back" });
  assert.equal(again.last("chat_message")?.payload.text, "welcome back");
  // The room's record holds no connection: only ids, names and roles.
  const record = JSON.stringify(room.record());
  assert.ok(!record.includes("received"), "no FakeMember inside the room's state");
});

Deno.test("a refused resume re-keys nothing", () => {
  const { registry } = registryWith();
  const host = new FakeMember("host", "Hana");
  registry.addListener(host);
  const room = registry.create({ host, name: "R", mediaId: null, startPosition: 0 })!;
  const thief = new FakeMember("thief");
  registry.addListener(thief);
  // The host is connected: its session is in use.
  room.post({
    kind: "resume",
    memberId: "host",
    connection: { id: "thief", name: "T" },
    lastSeq: null,
    resumeToken: "t",
  });
  assert.equal(thief.last("error")?.payload.code, "session_in_use");
  assert.equal(thief.id, "thief");
  assert.equal(registry.ports.portOf("host"), host);
  assert.equal(registry.ports.portOf("thief"), thief);
});

Deno.test("the port table forgets a member's port only if it is still that one", () => {
  const ports = new MemberPorts();
  const old = new FakeMember("m");
  const newer = new FakeMember("m");
  ports.attach("m", old);
  ports.attach("m", newer);
  ports.detach("m", old); // the old connection closing late
  assert.equal(ports.portOf("m"), newer);
  ports.detach("m", newer);
  assert.equal(ports.portOf("m"), undefined);
  assert.equal(ports.size, 0);
});

Deno.test("a request that outlived its connection (a slow check ended after the socket closed) does nothing", () => {
  const { registry } = registryWith();
  const host = new FakeMember("host", "Hana");
  registry.addListener(host);
  const room = registry.create({ host, name: "R", mediaId: null, startPosition: 0 })!;
  const gone = new FakeMember("gone", "Gus");
  registry.addListener(gone);
  registry.removeListener(gone); // its socket closed while its password was being checked
  assert.equal(registry.join(gone, room.id, true), null);
  assert.equal(
    registry.createFor({ host: gone, name: "G", mediaId: null, startPosition: 0 }),
    null,
  );
  assert.equal(registry.resume(gone, "host", null, "t"), null);
  assert.deepEqual(room.snapshot().memberIds, ["host"], "no member nobody can reach");
  assert.equal(registry.roomCount, 1);
  assert.equal(registry.ports.portOf("gone"), undefined);
});
