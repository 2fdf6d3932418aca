/**
 * Hostile input, generated: random JSON, envelope-shaped frames with wrong types and extreme
 * values, prototype keys, deep nesting, long and exotic strings and binary frames, from several
 * clients at once against one real server. After every batch each client must still get a
 * correct answer to a valid frame; after every batch the room invariants must hold and no handler may
 * have failed. Replay a failure with FUZZ_SEED=<seed>.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ServerMessage } from "../../protocol/mod.ts";
import type { RoomRegistry } from "../../rooms/registry.ts";
import { createLogger } from "../../server/log.ts";
import { connectClients } from "../helpers/session.ts";
import { frameFor, type Known } from "../helpers/fuzz_frames.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer } from "../helpers/test_server.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 424242);
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 500);

/** Room invariants across the whole registry; checked after every batch, not just at the end. */
function checkInvariants(registry: RoomRegistry, clients: TestClient[]): void {
  for (const room of registry.rooms()) {
    const snapshot = room.snapshot();
    // Exactly one host per open room, and it is a member.
    assert.ok(snapshot.memberIds.includes(snapshot.hostId), "a room lost its host");
    for (const id of snapshot.awayIds) {
      assert.ok(snapshot.memberIds.includes(id), `${id} is away but not a member`);
    }
    for (const id of snapshot.readyIds) {
      assert.ok(snapshot.memberIds.includes(id), `${id} is ready but not a member`);
    }
    for (const id of snapshot.memberIds) assert.equal(registry.roomOf(id), room.id);
    assert.ok(snapshot.memberIds.length <= room.maxMembers);
    assert.ok(Number.isFinite(snapshot.playback.position));
  }
  for (const client of clients) {
    const roomId = registry.roomOf(client.id);
    if (roomId) assert.ok(registry.get(roomId)!.snapshot().memberIds.includes(client.id));
  }
  // Every connection is in a room or in the lobby, never both, never neither (auth is off).
  const inRooms = clients.filter((client) => registry.roomOf(client.id) !== undefined).length;
  assert.equal(registry.lobbySize, clients.length - inRooms, "the lobby lost count");
}

Deno.test(`fuzz: hostile frames from several clients never break the server (seed ${SEED})`, async () => {
  const failures: string[] = [];
  const log = createLogger("error", (line) => failures.push(line));
  // No budgets in the way: the fuzzer must reach the handlers, create_room included.
  await using test = startTestServer({
    log,
    env: { RATE_LIMIT_PER_SECOND: "100000", ROOM_CREATIONS_PER_MINUTE: "100000" },
  });
  await using clients = await connectClients(test, 4);
  const [host, guestA, guestB] = clients;
  let frames = 0;
  host!.send("create_room", { name: "Fuzz" });
  const roomId = (await host!.next("room_state")).room!;
  for (const guest of [guestA!, guestB!]) guest.send("join_room", {}, roomId);
  const liveRoomIds = () => [roomId, ...[...test.server.registry.rooms()].map((r) => r.id)];
  const known: Known = {
    tokens: clients.map((c) =>
      (c.received[0] as Extract<ServerMessage, { type: "client_hello" }>).payload.resume_token
    ),
    clientIds: clients.map((c) => c.id),
  };

  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(clients.length - 1), frameFor(liveRoomIds, known)), {
        minLength: 1,
        maxLength: 20,
      }),
      async (batch) => {
        for (const [index, frame] of batch) {
          clients[index]!.sendRaw(frame);
          frames++;
        }
        // Every client still gets a correct answer to a valid frame.
        await Promise.all(clients.map((client) => client.barrier()));
        checkInvariants(test.server.registry, clients);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );

  assert.deepEqual(failures, [], "a handler failed");
  for (const client of clients) {
    assert.equal(client.readyState, WebSocket.OPEN);
    const internal = client.received.filter((m) =>
      m.type === "error" && (m.payload as { code: string }).code === "internal"
    );
    assert.deepEqual(internal, []);
  }
  checkInvariants(test.server.registry, clients);
  assert.equal(
    ({} as Record<string, unknown>)["polluted"],
    undefined,
    "Object.prototype polluted",
  );
  // And a newcomer is served normally.
  const newcomer = await TestClient.connect(test.wsUrl);
  await newcomer.next("room_list");
  clients.push(newcomer);
  console.log(`fuzz: ${frames} frames, seed ${SEED}, ${RUNS} runs`);
});
