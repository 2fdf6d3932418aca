import type { ServerMessage } from "../../protocol/mod.ts";
import { type DisposableArray, disposedTogether } from "./disposable.ts";
import { TestClient } from "./test_client.ts";
import type { TestServer } from "./test_server.ts";

/** Message types received, without the pongs that barrier() asked for. */
export function typesOf(client: TestClient): string[] {
  return client.received
    .filter((m) => !(m.type === "pong" && (m.payload as { barrier?: string }).barrier))
    .map((m) => m.type);
}

/**
 * Connects `count` clients and takes the room_list each gets after client_hello. Disposing the
 * array closes every client in it, all at once.
 */
export async function connectClients(
  test: TestServer,
  count: number,
): Promise<DisposableArray<TestClient>> {
  const clients = disposedTogether<TestClient>();
  for (let i = 0; i < count; i++) {
    const client = await TestClient.connect(test.wsUrl);
    await client.next("room_list");
    clients.push(client);
  }
  return clients;
}

/** `host` creates a room and the others join it; returns the room id. */
export async function makeRoom(host: TestClient, guests: TestClient[], name = "Party") {
  host.send("create_room", { name, user_name: "Host" });
  const state = await host.next("room_state");
  const roomId = state.room!;
  for (const guest of guests) {
    guest.send("join_room", { user_name: "Guest" }, roomId);
    await guest.next("room_state");
  }
  return roomId;
}

export type { ServerMessage };
