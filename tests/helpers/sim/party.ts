/**
 * A watch party in the simulated world: a host that created a room, members that joined it,
 * every clock warmed up by pings; and the measures the sync tests take of it (each member's
 * offset from a reference, on the one true clock).
 */
import assert from "node:assert/strict";
import type { NewRoomOptions } from "../../../client/sync_client.ts";
import type { FakePlayerOptions } from "./fake_player.ts";
import type { PathProfile } from "./network.ts";
import { type SimClient, type SimClientOptions, SimWorld } from "./world.ts";

export const NEAR: PathProfile = { upMs: 20, downMs: 20, jitterMs: 5 };
export const SIM_MEDIA = "https://media.example/film.mp4";

/** A member as a party test describes it (its name is guest1, guest2, …). */
export type SimMember = Omit<SimClientOptions, "name">;

/**
 * Host plus members in one room, clocks warmed up; `room` adds create_room options, and
 * `hostPlayer` describes the host's player.
 */
export function simParty(
  seed: number,
  members: SimMember[],
  room: NewRoomOptions = {},
  hostPlayer: Partial<FakePlayerOptions> = {},
) {
  const world = new SimWorld(seed);
  const host = world.addClient({ name: "host", offsetMs: 1_234, path: NEAR, player: hostPlayer });
  world.advance(2_000);
  host.client.createRoom({ name: "Film", mediaUrl: SIM_MEDIA, ...room });
  world.advance(200);
  const roomId = host.client.room!.id;
  const guests = members.map((member, i) => world.addClient({ name: `guest${i + 1}`, ...member }));
  world.advance(2_000);
  for (const guest of guests) guest.client.joinRoom(roomId, { password: room.password });
  world.advance(2_000);
  return { world, host, guests, roomId };
}

/** Each one's position minus the reference's, ms, right now (the truth, on the one clock). */
export function offsetsMs(reference: SimClient, others: SimClient[]): number[] {
  return others.map((other) => (other.player.position - reference.player.position) * 1000);
}

export function assertWithin(values: number[], boundMs: number, what: string): void {
  const worst = Math.max(...values.map(Math.abs));
  assert.ok(worst <= boundMs, `${what}: worst ${worst.toFixed(1)} ms > ${boundMs} ms`);
}
