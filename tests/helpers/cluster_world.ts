/**
 * Real Cluster instances in one process, on the memory bus (cluster/memory_bus.ts), each on its
 * own manual clock: `skewMs` puts an instance's clock behind the bus's (the bus's is Redis's).
 * Nothing runs by itself: `settle` carries the messages in flight, `advance` moves every clock
 * that is not frozen (a frozen instance is stalled, or dead if it is cut off too), step by
 * step, carrying the messages after each step as Redis would between heartbeats.
 */
import { DEFAULT_TIMINGS } from "../../protocol/mod.ts";
import { Cluster } from "../../cluster/cluster.ts";
import { HEARTBEATS_PER_LEASE } from "../../cluster/constants.ts";
import { MemoryBus } from "../../cluster/memory_bus.ts";
import { MemoryTransport } from "../../cluster/memory_transport.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { RoomRegistry } from "../../rooms/registry.ts";
import { silentLogger } from "../../server/log.ts";
import { RoomSaver } from "../../store/room_saver.ts";
import { FakeMember } from "./fake_member.ts";

export const WORLD_LEASE_MS = 3_000;
const START = 1_700_000_000_000;
/** How far the clocks move between two deliveries of what is in flight. */
const STEP_MS = 100;

export interface WorldInstance {
  readonly id: string;
  readonly clock: ManualClock;
  readonly registry: RoomRegistry;
  readonly cluster: Cluster;
}

export interface WorldOptions {
  /** Instance id → how far its clock is behind the bus's, ms (default: A and B, in step). */
  readonly skews?: Readonly<Record<string, number>>;
  /** Rooms kept on the bus: they outlive their owner (claims, leases, epochs). */
  readonly keepRooms?: boolean;
  /** A member who drops stays away this long before leaving (0: leaves at once). */
  readonly resumeGraceMs?: number;
  /** Members a room holds (default 20). */
  readonly maxMembersPerRoom?: number;
}

export function clusterWorld(options: WorldOptions = {}) {
  const bus = new MemoryBus(new ManualClock(START));
  const frozen = new Set<string>();
  const instances = new Map<string, WorldInstance>();
  let rooms = 0;
  for (const [id, skew] of Object.entries(options.skews ?? { A: 0, B: 0 })) {
    const clock = new ManualClock(START - skew);
    const saver: { current?: RoomSaver } = {};
    const registry = new RoomRegistry({
      clock,
      timings: DEFAULT_TIMINGS,
      maxMembersPerRoom: options.maxMembersPerRoom ?? 20,
      maxRooms: 100,
      resumeGraceMs: options.resumeGraceMs ?? 0,
      newRoomId: () => `room-${++rooms}`,
      // As the server wires it: kept rooms are saved through the cluster's store.
      events: {
        roomChanged: (roomId) => saver.current?.changed(roomId),
        roomClosed: (roomId) => saver.current?.closed(roomId),
      },
    });
    const cluster = new Cluster({
      instanceId: id,
      leaseMs: WORLD_LEASE_MS,
      clock,
      registry,
      log: silentLogger,
      keepRooms: options.keepRooms ?? false,
      transport: new MemoryTransport(bus),
    });
    if (cluster.store) {
      saver.current = new RoomSaver(
        cluster.store,
        (room) => registry.get(room),
        clock,
        silentLogger,
      );
    }
    instances.set(id, { id, clock, registry, cluster });
  }
  const instance = (id: string) => {
    const found = instances.get(id);
    if (!found) throw new Error(`no instance ${id}`);
    return found;
  };

  /** Moves every clock but the frozen ones by `ms`, carrying what is in flight at each step. */
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += STEP_MS) {
      const step = Math.min(STEP_MS, ms - done);
      bus.clock.advance(step);
      for (const { id, clock } of instances.values()) if (!frozen.has(id)) clock.advance(step);
      await bus.settle();
    }
  };

  /** Everyone registered, and every instance has measured every other's clock. */
  const start = async () => {
    await bus.settle();
    await advance(WORLD_LEASE_MS / HEARTBEATS_PER_LEASE);
  };

  /** A room on `owner` hosted by a member connected there, in every instance's directory. */
  const openRoom = async (owner = "A", hostId = "host") => {
    const host = new FakeMember(hostId);
    const { registry } = instance(owner);
    registry.addListener(host);
    const room = registry.create({ host, name: "Party", mediaId: null, startPosition: 0 })!;
    await bus.settle();
    return { host, room };
  };

  /** A member connected to `on` joins room `roomId` (owned anywhere). */
  const join = async (id: string, roomId: string, on = "B") => {
    const member = new FakeMember(id);
    const { registry } = instance(on);
    registry.addListener(member);
    const refused = registry.join(member, roomId);
    if (refused !== null) throw new Error(`${id} could not join ${roomId}: ${refused}`);
    await bus.settle();
    if (member.last("room_state")?.room !== roomId) throw new Error(`${id} is not in ${roomId}`);
    member.clear();
    return member;
  };

  return {
    bus,
    instance,
    advance,
    start,
    openRoom,
    join,
    settle: () => bus.settle(),
    /** `id`'s clock stops: its timers (heartbeats) no longer run, as in a long pause. */
    freeze: (id: string) => frozen.add(id),
    thaw: (id: string) => frozen.delete(id),
    /** Every cluster closed, and what that sends carried. */
    async close() {
      for (const { cluster } of instances.values()) {
        const closing = cluster.close();
        await bus.settle();
        await closing;
      }
    },
  };
}

export type ClusterWorld = ReturnType<typeof clusterWorld>;
