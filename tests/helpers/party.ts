import { TestClient } from "./test_client.ts";

/**
 * A party spread over instances: the host creates the room on the first URL, and one member on
 * each of the others waits to see it in its instance's list (the shared directory), joins and
 * says it is ready.
 */
export async function partyAcross(urls: readonly string[], options: Record<string, unknown> = {}) {
  const host = await TestClient.connect(urls[0]!);
  host.send("create_room", { name: "Party", start_pos: 0, ...options });
  const roomId = (await host.next("room_state")).room!;
  const members: TestClient[] = [];
  for (const url of urls.slice(1)) {
    const member = await TestClient.connect(url);
    await member.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
    member.send("join_room", {}, roomId);
    await member.next("room_state");
    member.send("ready", {}, roomId);
    members.push(member);
  }
  return { host, members, roomId };
}
