/**
 * One instance's transport on the memory bus (cluster/memory_bus.ts): the operations of
 * cluster/transport.ts on the bus's keys, each carried out a microtask later, as a command's
 * answer comes back from Redis, and failing while the instance does not reach the bus.
 */
import { MemoryRoomRules } from "../store/memory_room_rules.ts";
import { SharedRoomStore, type SharedRoomStoreOptions } from "../store/shared_room_store.ts";
import type { BusEndpoint, MemoryBus } from "./memory_bus.ts";
import type { ClusterTransport, TransportEvents } from "./transport.ts";

const unreachable = () => new Error("the bus is not reachable");

export class MemoryTransport implements ClusterTransport, BusEndpoint {
  readonly #bus: MemoryBus;
  #self: string | null = null;
  #events: TransportEvents | null = null;
  #up = false;
  #closed = false;

  constructor(bus: MemoryBus) {
    this.#bus = bus;
  }

  get self(): string | null {
    return this.#self;
  }

  get up(): boolean {
    return this.#up;
  }

  open(self: string, events: TransportEvents): void {
    this.#self = self;
    this.#events = events;
    this.#bus.attach(this);
  }

  sync(): void {
    if (this.#closed || !this.#events) return;
    const up = this.#bus.reaches(this.#self);
    if (up === this.#up) return;
    this.#up = up;
    if (up) this.#events.up();
    else this.#events.down();
  }

  peerMessage(text: string): void {
    if (!this.#closed) this.#events?.peerMessage(text);
  }

  directoryMessage(text: string): void {
    if (!this.#closed) this.#events?.directoryMessage(text);
  }

  sendTo(instance: string, text: string, failed?: () => void): boolean {
    if (!this.#up) return false;
    this.#bus.send(this.#self!, instance, text, failed);
    return true;
  }

  announce(text: string): boolean {
    if (!this.#up) return false;
    this.#bus.send(this.#self!, null, text);
    return true;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#up = false;
    this.#bus.detach(this);
    return Promise.resolve();
  }

  // ---- instances and their leases ----

  renewLease(instance: string, since: number, leaseMs: number): Promise<void> {
    return this.#run(() => {
      this.#bus.leases.set(instance, String(since), leaseMs);
      this.#bus.instances.add(instance);
    });
  }

  dropLease(instance: string): Promise<void> {
    return this.#run(() => void this.#bus.leases.delete(instance));
  }

  instances(): Promise<string[]> {
    return this.#run(() => [...this.#bus.instances]);
  }

  leaseHeld(instance: string): Promise<boolean> {
    return this.#run(() => this.#bus.leases.has(instance));
  }

  forgetInstance(instance: string): Promise<void> {
    return this.#run(() => {
      this.#bus.instances.delete(instance);
      this.#bus.sessions.delete(instance);
    });
  }

  // ---- the session index ----

  recordSessions(instance: string, sessions: Readonly<Record<string, string>>): Promise<void> {
    return this.#run(() => {
      const index = this.#bus.sessions.get(instance) ?? new Map<string, string>();
      for (const [memberId, roomId] of Object.entries(sessions)) index.set(memberId, roomId);
      if (index.size > 0) this.#bus.sessions.set(instance, index);
    });
  }

  forgetSessions(instance: string, memberIds: readonly string[]): Promise<void> {
    return this.#run(() => {
      const index = this.#bus.sessions.get(instance);
      for (const memberId of memberIds) index?.delete(memberId);
      if (index?.size === 0) this.#bus.sessions.delete(instance);
    });
  }

  clearSessions(instance: string): Promise<void> {
    return this.#run(() => void this.#bus.sessions.delete(instance));
  }

  findSession(memberId: string): Promise<string | null> {
    return this.#run(() => {
      for (const instance of this.#bus.instances) {
        const roomId = this.#bus.sessions.get(instance)?.get(memberId);
        if (roomId !== undefined) return roomId;
      }
      return null;
    });
  }

  // ---- the room directory ----

  writeRoomEntry(roomId: string, entry: string): Promise<void> {
    return this.#run(() => void this.#bus.directory.set(roomId, entry));
  }

  removeRoomEntry(roomId: string): Promise<void> {
    return this.#run(() => void this.#bus.directory.delete(roomId));
  }

  roomEntries(): Promise<string[]> {
    return this.#run(() => [...this.#bus.directory.values()]);
  }

  // ---- kept rooms ----

  keptRooms(options: SharedRoomStoreOptions): SharedRoomStore {
    return new SharedRoomStore(
      new MemoryRoomRules(this.#bus.rooms, (step) => this.#run(step)),
      options,
    );
  }

  /** One step on the bus's keys, a microtask from now; it fails if the bus is out of reach. */
  #run<T>(step: () => T): Promise<T> {
    return Promise.resolve().then(() => {
      if (this.#closed || !this.#bus.reaches(this.#self)) throw unreachable();
      return step();
    });
  }
}
