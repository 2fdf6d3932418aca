/**
 * Several instances in one process, connected as Redis would connect them, for tests on manual
 * clocks: the shared facts (leases, the session index, the room directory, kept rooms) with
 * their expiry on the bus's own clock, and messages carried asynchronously, in order, through a
 * queue the test pumps (settle). Each instance holds a MemoryTransport (cluster/memory_transport.ts)
 * on the bus.
 *
 * What can go wrong, on purpose:
 * - cutOff(instance): that instance's link drops (a partition, or a dead process when its clock
 *   is not advanced either): it hears `down`, its operations fail, its messages and those for it
 *   are lost; reconnect() brings it back;
 * - down() / up(): Redis itself goes away and returns, for everyone; forgetEverything() is a
 *   Redis that restarted without persistence.
 *
 * Lives beside the Redis transport rather than under tests/: it implements the same interface
 * and plays the same rules (store/memory_room_rules.ts is the Lua scripts' twin), so whoever
 * changes one sees the other. Nothing outside tests uses it, and main.ts never loads it.
 */
import { ManualClock } from "../rooms/clock.ts";
import { ExpiringMap } from "../store/expiring_map.ts";
import { MemoryRoomKeys } from "../store/memory_room_rules.ts";

/** What the bus needs of a transport attached to it. */
export interface BusEndpoint {
  /** Its instance id, once it opened. */
  readonly self: string | null;
  /** Compares what it believes (up or down) with the bus's truth, and says so if it changed. */
  sync(): void;
  peerMessage(text: string): void;
  directoryMessage(text: string): void;
}

/** A message or a link change on its way. */
type InFlight = () => void;

/** settle() gives up after this many deliveries: something keeps sending forever. */
const MAX_DELIVERIES = 100_000;

/** Every microtask queued so far (and those they queue) runs before this resolves. */
const microtasksDone = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class MemoryBus {
  /** Redis's own time: leases and tombstones run out on it. */
  readonly clock: ManualClock;
  /** Instance leases (owp:lease:<id>): the instance's time when renewed. */
  readonly leases: ExpiringMap<string>;
  /** Registered instances (owp:instances). */
  readonly instances = new Set<string>();
  /** Each instance's session index (owp:sessions:<id>): member id → room id. */
  readonly sessions = new Map<string, Map<string, string>>();
  /** Kept rooms' keys, and the room directory (owp:rooms) they share with the transports. */
  readonly rooms: MemoryRoomKeys;
  readonly #endpoints = new Set<BusEndpoint>();
  readonly #cutOff = new Set<string>();
  readonly #queue: InFlight[] = [];
  #up = true;
  /** Sees every message the bus carries (`to` null: announced to all), as a MONITOR would. */
  tap: ((from: string, to: string | null, text: string) => void) | null = null;

  constructor(clock = new ManualClock()) {
    this.clock = clock;
    this.leases = new ExpiringMap(clock);
    this.rooms = new MemoryRoomKeys(clock);
  }

  /** The room directory: room id → record (JSON), as the owners wrote it. */
  get directory(): Map<string, string> {
    return this.rooms.directory;
  }

  /** Messages and link changes not delivered yet. */
  get inFlight(): number {
    return this.#queue.length;
  }

  /** Whether `instance` reaches the bus now (what its transport believes may lag behind). */
  reaches(instance: string | null): boolean {
    return this.#up && instance !== null && !this.#cutOff.has(instance);
  }

  // ---- for the transports ----

  attach(endpoint: BusEndpoint): void {
    this.#endpoints.add(endpoint);
    this.#queue.push(() => endpoint.sync());
  }

  detach(endpoint: BusEndpoint): void {
    this.#endpoints.delete(endpoint);
  }

  /**
   * `text` from `from` to instance `to` (null: announced to all). Published only if the sender
   * still reaches the bus when it gets there (else `failed`, as a publish on a dropped
   * connection fails); heard only by those that reach it then (pub/sub keeps nothing).
   */
  send(from: string, to: string | null, text: string, failed?: () => void): void {
    this.#queue.push(() => {
      if (!this.reaches(from)) return failed?.();
      this.tap?.(from, to, text);
      for (const endpoint of this.#endpoints) {
        if (!this.reaches(endpoint.self)) continue;
        if (to === null) endpoint.directoryMessage(text);
        else if (endpoint.self === to) endpoint.peerMessage(text);
      }
    });
  }

  // ---- for the tests ----

  /** Delivers everything in flight, and everything that causes, until nothing moves. */
  async settle(): Promise<void> {
    for (let delivered = 0; delivered < MAX_DELIVERIES; delivered++) {
      await microtasksDone();
      const next = this.#queue.shift();
      if (next) {
        next();
        continue;
      }
      await microtasksDone();
      if (this.#queue.length === 0) return;
    }
    throw new Error(`the bus did not settle after ${MAX_DELIVERIES} deliveries`);
  }

  /** `instance`'s link drops: a partition (or, its clock stopped too, a dead process). */
  cutOff(instance: string): void {
    this.#cutOff.add(instance);
    this.#syncAll();
  }

  reconnect(instance: string): void {
    this.#cutOff.delete(instance);
    this.#syncAll();
  }

  /** Redis goes away for everyone. */
  down(): void {
    this.#up = false;
    this.#syncAll();
  }

  /** Redis is back. */
  up(): void {
    this.#up = true;
    this.#syncAll();
  }

  /** Every key goes: a Redis that restarted without persistence. */
  forgetEverything(): void {
    this.leases.clear();
    this.instances.clear();
    this.sessions.clear();
    this.rooms.clear();
  }

  /** Each transport hears of the change in turn, as each connection notices it. */
  #syncAll(): void {
    for (const endpoint of this.#endpoints) this.#queue.push(() => endpoint.sync());
  }
}
