/**
 * A room registry for unit tests, on the test's clock, with the protocol's default timings,
 * 20 members a room and 10 rooms unless a test says otherwise.
 */
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import type { Clock } from "../../rooms/clock.ts";
import { type RegistryOptions, RoomRegistry } from "../../rooms/registry.ts";

export function testRegistry(
  clock: Clock,
  options: Partial<Omit<RegistryOptions, "clock">> = {},
): RoomRegistry {
  return new RoomRegistry({
    clock,
    timings: DEFAULT_TIMINGS,
    maxMembersPerRoom: 20,
    maxRooms: 10,
    ...options,
  });
}
