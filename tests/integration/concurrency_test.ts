import assert from "node:assert/strict";
import { ERRORS } from "../../protocol/mod.ts";
import { pick, seededRandom } from "../helpers/random.ts";
import { connectClients } from "../helpers/session.ts";
import type { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";

const CLIENTS = 24;
const MAX_MEMBERS = 16;
const OPS_PER_CLIENT = 60;
const SEED = Number(Deno.env.get("CONCURRENCY_SEED") ?? 20261123);

type Op = "join" | "leave" | "ready" | "chat" | "ping";

Deno.test(`churn in one room keeps the room consistent (seed ${SEED})`, async () => {
  await using test = startTestServer({
    env: { MAX_CLIENTS_PER_ROOM: String(MAX_MEMBERS), RATE_LIMIT_PER_SECOND: "100000" },
  });
  const clock = manualClockOf(test);
  const random = seededRandom(SEED);
  await using clients = await connectClients(test, CLIENTS + 1);
  const [host, ...guests] = clients;
  const everyone = [host!, ...guests];
  host!.send("create_room", { name: "Churn" });
  const roomId = (await host!.next("room_state")).room!;
  const lastMembershipOp = new Map<TestClient, "join" | "leave">();

  // Every client fires its operations without waiting for answers, interleaved with the
  // host's playback commands and the clock moving (so ready-wait timers fire mid-churn).
  const runClient = async (client: TestClient) => {
    for (let i = 0; i < OPS_PER_CLIENT; i++) {
      const op = pick<Op>(random, ["join", "join", "leave", "ready", "ready", "chat", "ping"]);
      if (op === "join" || op === "leave") lastMembershipOp.set(client, op);
      if (op === "join") client.send("join_room", {}, roomId);
      if (op === "leave") client.send("leave_room", {}, roomId);
      if (op === "ready") client.send("ready", {}, roomId);
      if (op === "chat") client.send("chat_message", { text: `m${i}` }, roomId);
      if (op === "ping") client.send("ping", { client_ts: i }, roomId);
      if (random() < 0.2) await client.barrier();
    }
    await client.barrier();
  };
  const runHost = async () => {
    for (let i = 0; i < OPS_PER_CLIENT; i++) {
      const action = pick(random, ["play", "play", "pause", "seek"] as const);
      host!.send("player_event", { action, position: i }, roomId);
      if (random() < 0.5) clock.advance(pick(random, [100, 700, 2_000]));
      await host!.barrier();
    }
  };
  await Promise.all([runHost(), ...guests.map(runClient)]);

  // Who believes it is in the room: the answer to its last join (room_state or Room is full),
  // unless its last membership operation was a leave.
  const believers = new Set<string>();
  for (const guest of guests) {
    if (lastMembershipOp.get(guest) !== "join") continue;
    const answers = guest.received.filter((m) =>
      (m.type === "room_state" && m.room === roomId) ||
      (m.type === "error" && m.payload.message === ERRORS.roomFull.message)
    );
    if (answers.at(-1)?.type === "room_state") believers.add(guest.id);
  }
  const snapshot = test.server.registry.get(roomId)!.snapshot();
  const members = new Set(snapshot.memberIds);
  assert.ok(members.delete(host!.id));
  assert.deepEqual([...members].sort(), [...believers].sort());
  assert.ok(snapshot.memberIds.length <= MAX_MEMBERS);
  for (const id of snapshot.readyIds) {
    assert.ok(snapshot.memberIds.includes(id), `${id} ready but gone`);
  }
  // The host's last count update agrees with the room.
  const counts = host!.received.filter((m) =>
    m.type === "participants_update" || m.type === "client_left"
  );
  const lastCount = (counts.at(-1)?.payload as { participant_count: number } | undefined)
    ?.participant_count ?? 1;
  assert.equal(lastCount, snapshot.memberIds.length);

  host!.send("leave_room", {}, roomId);
  await host!.barrier();
  assert.equal(test.server.registry.roomCount, 0);
  for (const client of everyone) assert.equal(test.server.registry.roomOf(client.id), undefined);
  clock.advance(60_000);
  assert.equal(clock.pendingTimers, 0, "a timer outlived the room");
});
