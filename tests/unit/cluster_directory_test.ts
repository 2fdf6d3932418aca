/**
 * The cluster's directory is the in-memory registry plus the shared session index: a resume of
 * a session this instance knows nothing of is looked up there and sent to the room found,
 * asked of the registry again once the answer comes (the connection may be gone by then).
 */
import assert from "node:assert/strict";
import { ClusterDirectory } from "../../cluster/cluster_directory.ts";
import { ERRORS } from "../../protocol/mod.ts";
import { ManualClock, type RoomHandle } from "../../rooms/mod.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { recordingRoom } from "../helpers/recording_room.ts";
import { testRegistry } from "../helpers/registry.ts";

function directoryFinding(found: RoomHandle | undefined) {
  const registry = testRegistry(new ManualClock(), { resumeGraceMs: 30_000 });
  const lookups: string[] = [];
  const answer = Promise.withResolvers<void>();
  const directory = new ClusterDirectory(registry, {
    findSession: async (sessionId) => {
      lookups.push(sessionId);
      await answer.promise;
      return found;
    },
  });
  return { registry, directory, lookups, answer: () => answer.resolve() };
}

Deno.test("cluster directory: a session connected to another instance is resumed in the room the index found", async () => {
  const { room, posted } = recordingRoom("far", 2);
  const { registry, directory, lookups, answer } = directoryFinding(room);
  const back = new FakeMember("fresh", "Ann");
  registry.addListener(back);
  const pending = directory.resume(back, "ann", 4, "token");
  assert.ok(pending instanceof Promise, "only the shared index can say");
  answer();
  assert.equal(await pending, null);
  assert.deepEqual(lookups, ["ann"]);
  assert.deepEqual(posted, [{
    kind: "resume",
    memberId: "ann",
    connection: { id: "fresh", name: "Ann" },
    lastSeq: 4,
    resumeToken: "token",
  }]);
});

Deno.test("cluster directory: a session nowhere is expired; a connection that closed meanwhile resumes nothing", async () => {
  const nowhere = directoryFinding(undefined);
  const lost = new FakeMember("fresh");
  nowhere.registry.addListener(lost);
  const expired = nowhere.directory.resume(lost, "gone", null, "token");
  nowhere.answer();
  assert.deepEqual(await expired, ERRORS.sessionExpired);

  const { room, posted } = recordingRoom("far", 2);
  const { registry, directory, answer } = directoryFinding(room);
  const closing = new FakeMember("fresh");
  registry.addListener(closing);
  const pending = directory.resume(closing, "ann", null, "token");
  registry.removeListener(closing); // its socket closed during the lookup
  answer();
  assert.equal(await pending, null);
  assert.deepEqual(posted, [], "no member nobody can reach");
});

Deno.test("cluster directory: a session in a room here is resumed at once, without asking the index", () => {
  const { registry, directory, lookups } = directoryFinding(undefined);
  const host = new FakeMember("host");
  const ann = new FakeMember("ann");
  for (const member of [host, ann]) registry.addListener(member);
  const room = registry.create({ host, name: "Party", mediaId: null, startPosition: 0 })!;
  assert.equal(registry.join(ann, room.id), null);
  registry.removeListener(ann);
  registry.memberAway("ann");
  const back = new FakeMember("fresh");
  registry.addListener(back);
  assert.equal(directory.resume(back, "ann", null, "token"), null);
  assert.deepEqual(lookups, []);
  assert.equal(back.id, "ann", "the connection is the session now");
  assert.equal(back.last("resumed")?.payload.room, room.id);
});
