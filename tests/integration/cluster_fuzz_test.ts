/**
 * Hostile frames against two instances on one Redis, from clients on both: the room lives on A,
 * members are connected to A and to B. After every batch the instances must settle into one
 * consistent picture (each open room has exactly one host, among its members; every client is
 * where its own instance believes it is, in a room or in the lobby, never both), no handler may
 * fail and no instance may receive a message from the other that it cannot read. Replay with
 * FUZZ_SEED=<seed>; FUZZ_CLUSTER_RUNS sets the number of batches.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { SystemClock } from "../../rooms/clock.ts";
import type { ServerMessage } from "../../protocol/mod.ts";
import { createLogger } from "../../server/log.ts";
import { frameFor, type Known } from "../helpers/fuzz_frames.ts";
import { redisAvailable, sharedRedis } from "../helpers/redis_server.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer, type TestServer } from "../helpers/test_server.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 424242);
const RUNS = Number(Deno.env.get("FUZZ_CLUSTER_RUNS") ?? 60);
const SETTLE_MS = 5_000;

interface Placed {
  readonly client: TestClient;
  readonly server: TestServer;
}

/** What is wrong with the two instances' picture now; null when it is consistent. */
function inconsistency(servers: TestServer[], placed: Placed[]): string | null {
  const owners = new Map<string, TestServer>();
  for (const server of servers) {
    for (const room of server.server.registry.rooms()) {
      const snapshot = room.snapshot();
      owners.set(room.id, server);
      if (!snapshot.memberIds.includes(snapshot.hostId)) return `room ${room.id} lost its host`;
      if (snapshot.memberIds.length > room.maxMembers) return `room ${room.id} is over full`;
      for (const id of [...snapshot.awayIds, ...snapshot.readyIds]) {
        if (!snapshot.memberIds.includes(id)) return `${id} is away or ready but not a member`;
      }
    }
  }
  for (const { client, server } of placed) {
    if (client.readyState !== WebSocket.OPEN) continue;
    const roomId = server.server.registry.roomOf(client.id);
    if (roomId === undefined) continue;
    const owner = owners.get(roomId);
    if (!owner) return `${client.id} is in room ${roomId}, which is gone`;
    if (!owner.server.registry.get(roomId)!.snapshot().memberIds.includes(client.id)) {
      return `${client.id} believes it is in ${roomId}, whose owner does not count it`;
    }
  }
  for (const [roomId, owner] of owners) {
    for (const id of owner.server.registry.get(roomId)!.snapshot().memberIds) {
      const here = placed.find((p) => p.client.id === id);
      if (!here || here.client.readyState !== WebSocket.OPEN) continue;
      const believed = here.server.server.registry.roomOf(id);
      if (believed !== roomId) return `${id} is counted in ${roomId} but believes ${believed}`;
    }
  }
  for (const server of servers) {
    const mine = placed.filter((p) =>
      p.server === server && p.client.readyState === WebSocket.OPEN
    );
    const inRooms = mine.filter((p) => server.server.registry.roomOf(p.client.id) !== undefined);
    if (server.server.registry.lobbySize !== mine.length - inRooms.length) {
      return "a lobby lost count";
    }
  }
  return null;
}

async function settled(servers: TestServer[], placed: Placed[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  let problem = inconsistency(servers, placed);
  while (problem !== null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    problem = inconsistency(servers, placed);
  }
  assert.equal(problem, null);
}

Deno.test({
  name: `cluster fuzz: hostile frames from clients on two instances (seed ${SEED})`,
  ignore: !redisAvailable(),
}, async () => {
  await using redis = await sharedRedis();
  const problems: string[] = [];
  const servers = ["fuzz-a", "fuzz-b"].map((id) =>
    startTestServer({
      clock: new SystemClock(),
      log: createLogger("warn", (line) => problems.push(line)),
      env: {
        REDIS_URL: redis.url,
        INSTANCE_ID: id,
        INSTANCE_LEASE_MS: "3000",
        RESUME_SECRET: "a-shared-secret-for-every-instance",
        RATE_LIMIT_PER_SECOND: "100000",
        ROOM_CREATIONS_PER_MINUTE: "100000",
      },
    })
  );
  for (const server of servers) await server.server.cluster!.ready();
  const placed: Placed[] = [];
  try {
    for (const server of [servers[0]!, servers[0]!, servers[1]!, servers[1]!]) {
      const client = await TestClient.connect(server.wsUrl);
      placed.push({ client, server });
    }
    const clients = placed.map((p) => p.client);
    const [host, guestA, guestB] = clients;
    host!.send("create_room", { name: "Fuzz" });
    const roomId = (await host!.next("room_state")).room!;
    await guestB!.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
    for (const guest of [guestA!, guestB!]) guest.send("join_room", {}, roomId);
    const liveRoomIds = () => [
      roomId,
      ...servers.flatMap((s) => [...s.server.registry.rooms()].map((r) => r.id)),
    ];
    const known: Known = {
      tokens: clients.map((c) =>
        (c.received[0] as Extract<ServerMessage, { type: "client_hello" }>).payload.resume_token
      ),
      clientIds: clients.map((c) => c.id),
    };
    let frames = 0;
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
          await Promise.all(clients.map((client) => client.barrier()));
          await settled(servers, placed);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    assert.deepEqual(problems.filter((line) => !line.includes('"redis problem"')), []);
    for (const client of clients) {
      assert.equal(client.readyState, WebSocket.OPEN);
      const internal = client.received.filter((m) =>
        m.type === "error" && (m.payload as { code: string }).code === "internal"
      );
      assert.deepEqual(internal, []);
    }
    console.log(`cluster fuzz: ${frames} frames, seed ${SEED}, ${RUNS} runs`);
  } finally {
    for (const { client } of placed) await client.close().catch(() => {});
    for (const server of servers) await server.close();
  }
});
